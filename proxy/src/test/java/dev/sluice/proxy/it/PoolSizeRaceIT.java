// First queries arriving together on several event loops never open more servers than pool_size.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class PoolSizeRaceIT {
    private static final int LOOPS = 4;
    private static final int CLIENTS = 12;
    private static final int POOL_SIZE = 2;
    private static final int ROUNDS = 40;

    /**
     * A launch is decided under the pool's lock but the server joins the pool's lists a moment later, outside
     * it; a client on another loop deciding in that moment must already count it. Each round starts with no
     * server, and a sampler watches the pool's own lists the whole time.
     */
    @Test
    @Timeout(120)
    void simultaneousFirstQueriesOnSeveralLoopsOpenAtMostPoolSize() throws Exception {
        try (SluiceFixture f = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, POOL_SIZE), LOOPS)) {
            List<Connection> conns = new ArrayList<>();
            ExecutorService exec = Executors.newFixedThreadPool(CLIENTS + 1);
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicInteger most = new AtomicInteger();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    conns.add(f.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, new Properties()));
                }
                Pool pool = f.pool(PgCluster.SCRAM_USER);
                Future<?> sampler = exec.submit(() -> {
                    while (sampling.get()) {
                        most.accumulateAndGet(pool.counts().servers(), Math::max);
                    }
                });
                for (int round = 0; round < ROUNDS; round++) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (pool.counts().servers() > 0 && System.nanoTime() < deadline) {
                        for (ServerConnection s : pool.idleServers()) { // also one whose login ends late
                            s.closeAsync(DisconnectReason.ADMIN);
                        }
                        Thread.sleep(2);
                    }
                    assertThat(pool.counts().servers()).as("servers before round %d", round).isZero();
                    CyclicBarrier start = new CyclicBarrier(CLIENTS);
                    List<Future<?>> queries = new ArrayList<>();
                    for (Connection c : conns) {
                        queries.add(exec.submit(() -> {
                            start.await();
                            try (Statement st = c.createStatement()) {
                                st.execute("select 1");
                            }
                            return null;
                        }));
                    }
                    for (Future<?> q : queries) {
                        q.get(30, TimeUnit.SECONDS);
                    }
                }
                sampling.set(false);
                sampler.get(10, TimeUnit.SECONDS);
                assertThat(most.get()).as("most servers the pool ever held").isLessThanOrEqualTo(POOL_SIZE);
            } finally {
                sampling.set(false);
                for (Connection c : conns) {
                    c.close();
                }
                exec.shutdownNow();
            }
        }
    }
}
