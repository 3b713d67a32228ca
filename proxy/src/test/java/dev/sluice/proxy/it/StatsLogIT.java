// The periodic per-pool stats line (stats_period) and the rate-limited "clients waited more than 1 s" warning.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
@Timeout(60)
class StatsLogIT {

    @Test
    void statsLinePerPoolAndOneWarningWhenAClientWaitedOverASecond() throws Exception {
        try (LogCapture log = LogCapture.start("dev.sluice.stats", Level.INFO);
             SluiceFixture f = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                     .set(Settings.DEFAULT_POOL_SIZE, 1).set(Settings.STATS_PERIOD, Duration.ofSeconds(1)));
             Connection holder = f.connect(); Connection waiter = f.connect();
             Statement hs = holder.createStatement(); Statement ws = waiter.createStatement()) {
            holder.setAutoCommit(false);
            hs.execute("select 1"); // holds the pool's only server
            CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
                try {
                    return ws.execute("select 2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await(Duration.ofSeconds(10), "warning about a wait over 1 s", () -> log.lines().stream()
                    .anyMatch(l -> l.contains("WARN") && l.contains("clients waited more than 1 s")));
            holder.rollback();
            assertThat(waited.get(10, TimeUnit.SECONDS)).isTrue();
            await(Duration.ofSeconds(10), "a stats line for the pool", () -> log.lines().stream()
                    .anyMatch(l -> l.contains("stats: pool " + PgCluster.TEST_DB) && l.contains("xacts/s")
                            && l.contains("avg wait") && l.contains("utilization")));
            Thread.sleep(1500); // more janitor checks: the wait is still in the histogram, the minute has not passed
            assertThat(log.lines().stream().filter(l -> l.contains("clients waited more than 1 s")).count())
                    .as("at most one warning per pool per minute").isEqualTo(1);
        }
    }
}
