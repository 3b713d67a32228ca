// Idle-transaction kills keep at most 20 application_name labels; SQLSTATE classes and histogram buckets.
package dev.sluice.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proxy.pool.DisconnectReason;
import org.junit.jupiter.api.Test;

class ProxyCountersTest {

    @Test
    void idleKillsAreBoundedToTwentyNamesThenOther() {
        ProxyCounters c = new ProxyCounters();
        for (int i = 0; i < 25; i++) {
            c.idleKill("app" + i);
        }
        c.idleKill("app3");
        c.idleKill(null);
        assertThat(c.idleKills()).hasSize(ProxyCounters.TOP_APPLICATIONS + 1);
        assertThat(c.idleKills().get("app3")).isEqualTo(2);
        assertThat(c.idleKills().get(ProxyCounters.OTHER)).isEqualTo(6); // app20..app24 and the unnamed one
        assertThat(c.idleKills().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(27);
    }

    @Test
    void disconnectsCountByReasonAndErrorsByClass() {
        ProxyCounters c = new ProxyCounters();
        c.clientDisconnected(DisconnectReason.CLIENT_CLOSE, "a");
        c.clientDisconnected(DisconnectReason.CLIENT_CLOSE, "a");
        c.serverDisconnected(DisconnectReason.SERVER_IDLE_TIMEOUT);
        c.clientError("22012");
        c.clientError('2', '2');
        c.clientError("57P01");
        c.clientError("x");
        assertThat(c.clientDisconnects(DisconnectReason.CLIENT_CLOSE)).isEqualTo(2);
        assertThat(c.serverDisconnects(DisconnectReason.SERVER_IDLE_TIMEOUT)).isEqualTo(1);
        assertThat(c.errorClasses()).containsEntry("22", 2L).containsEntry("57", 1L).hasSize(2);
        assertThat(c.idleKills()).isEmpty();
    }

    @Test
    void bucketsPutEachValueInTheFirstBucketItFits() {
        Buckets b = new Buckets();
        b.record(500_000); // exactly 0.5 ms: le="0.0005"
        b.record(500_001);
        b.record(2_000_000_000L);
        b.record(60_000_000_000L);
        long[] counts = b.counts();
        assertThat(counts).hasSize(Buckets.BOUNDS_SECONDS.length + 1);
        assertThat(counts[0]).isEqualTo(1);
        assertThat(counts[1]).isEqualTo(1);
        assertThat(counts[10]).isEqualTo(1); // (1 s, 5 s]
        assertThat(counts[12]).isEqualTo(1); // +Inf
        assertThat(b.count()).isEqualTo(4);
        assertThat(b.sumNanos()).isEqualTo(62_001_000_001L);
    }
}
