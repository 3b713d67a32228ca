// A client that reads a huge result slowly (or not at all) must not make Sluice buffer it, and leaving must clean up.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.activity;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.busyBackends;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class BackpressureIT {
    private static final String USER = PgCluster.SCRAM_USER;
    private static final String MARKER = "backpressure-big-result";
    /** ~2 GB of DataRows: far more than any buffer may hold. */
    private static final String BIG = "select repeat('x', 1000) from generate_series(1, 2000000) /* " + MARKER + " */";
    private static final long LIMIT = 64L << 20;

    private static long nettyMemory() {
        PooledByteBufAllocatorMetric m = PooledByteBufAllocator.DEFAULT.metric();
        return m.usedDirectMemory() + m.usedHeapMemory();
    }

    /** Samples Netty's pooled memory for {@code d}; returns the peak above {@code base}, stopping early past the limit. */
    private static long peakDuring(Duration d, long base, Runnable eachTick) throws InterruptedException {
        long peak = 0;
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            eachTick.run();
            peak = Math.max(peak, nettyMemory() - base);
            if (peak > LIMIT) {
                break; // stop before the JVM runs out of direct memory
            }
            Thread.sleep(50);
        }
        return peak;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void stalledReaderOfHugeResultKeepsMemoryFlatAndIsCleanedUp(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            Pool pool = sluice.pool(USER);
            try (PgWireClient warm = sluice.wire()) {
                assertThat(warm.simpleQuery("select 1")).hasSize(1);
            }
            long base = nettyMemory();
            PgWireClient w = sluice.wire();
            try {
                w.query(BIG);
                Message first = w.readMessage();
                assertThat(first.type()).as("RowDescription, got %s", first).isEqualTo('T');
                for (int i = 0; i < 100; i++) {
                    assertThat(w.readMessage().type()).isEqualTo('D');
                }
                // stalled: the client reads nothing for 3 s
                long stalledPeak = peakDuring(Duration.ofSeconds(3), base, () -> { });
                assertThat(stalledPeak).as("Netty pooled memory growth while the client is stalled (bytes)")
                        .isLessThan(LIMIT);
                assertThat(busyBackends(pg, USER, MARKER)).as("the query is still running (held back, not buffered)")
                        .hasSize(1);
                // slow: a few hundred rows every 50 ms for 2 s
                long slowPeak = peakDuring(Duration.ofSeconds(2), base, () -> {
                    for (int i = 0; i < 300; i++) {
                        Message m = w.readMessage();
                        if (m.type() != 'D') {
                            throw new AssertionError("expected DataRow, got " + m);
                        }
                    }
                });
                assertThat(slowPeak).as("Netty pooled memory growth while the client reads slowly (bytes)")
                        .isLessThan(LIMIT);
            } finally {
                w.abort();
            }
            // the abandoned query is cancelled and its remaining output drained, then the server is reused
            await(Duration.ofSeconds(5), "the big query no longer runs after its client left",
                    () -> busyBackends(pg, USER, MARKER).isEmpty(), () -> activity(pg, USER) + " " + pool.counts());
            await(Duration.ofSeconds(5), "server cleaned up and back in the pool",
                    () -> pool.counts().serversActive() == 0 && pool.counts().serversUsed() == 0,
                    () -> pool.counts() + " backends: " + activity(pg, USER));
            try (PgWireClient a = sluice.wire(); PgWireClient b = sluice.wire()) {
                a.simpleQuery("BEGIN");
                b.simpleQuery("BEGIN");
                List<List<String>> pa = a.simpleQuery("select pg_backend_pid()");
                List<List<String>> pb = b.simpleQuery("select pg_backend_pid()");
                assertThat(pa).isNotEqualTo(pb);
                a.simpleQuery("COMMIT");
                b.simpleQuery("COMMIT");
            }
            assertThat(pool.counts().servers()).isLessThanOrEqualTo(2);
            await(Duration.ofSeconds(5), "memory returns near the baseline",
                    () -> nettyMemory() - base < LIMIT, () -> nettyMemory() - base);
        }
    }
}
