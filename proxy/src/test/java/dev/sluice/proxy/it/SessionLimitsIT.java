// Session mode limits and hygiene: pool_size bound with FIFO waiting, query_wait_timeout, max_client_conn, reset.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

class SessionLimitsIT {

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** Backends left over from an earlier test's Sluice take a moment to exit; start from a quiet cluster. */
    private static void awaitNoBackends(String user) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (PgCluster.get().countBackends(user) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(PgCluster.get().countBackends(user)).as("leftover backends of " + user).isZero();
    }

    @Test
    void tenClientsShareThreeServers() throws Exception {
        awaitNoBackends(PgCluster.SCRAM_USER);
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.SESSION, 3)) {
            ExecutorService pool = Executors.newFixedThreadPool(10);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger maxBackends = new AtomicInteger();
            AtomicInteger samples = new AtomicInteger();
            Thread sampler = new Thread(() -> {
                while (running.get()) {
                    maxBackends.accumulateAndGet(PgCluster.get().countBackends(PgCluster.SCRAM_USER), Math::max);
                    samples.incrementAndGet();
                }
            }, "backend-sampler");
            sampler.start();
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    int n = i;
                    results.add(pool.submit(() -> {
                        try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                            int done = 0;
                            for (int k = 0; k < 3; k++) {
                                try (ResultSet rs = st.executeQuery("select pg_sleep(0.2), " + n)) {
                                    rs.next();
                                    assertThat(rs.getInt(2)).isEqualTo(n);
                                    done++;
                                }
                            }
                            return done;
                        }
                    }));
                }
                for (Future<Integer> f : results) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(3);
                }
            } finally {
                running.set(false);
                sampler.join(10_000);
                pool.shutdownNow();
            }
            assertThat(samples.get()).as("sampler ran").isGreaterThan(3);
            assertThat(maxBackends.get()).as("most backends seen at once").isBetween(1, 3);
            assertThat(sluice.pool(PgCluster.SCRAM_USER).counts().servers()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void queryWaitTimeoutRefusesTheSecondSessionClient() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 1).set(Settings.QUERY_WAIT_TIMEOUT, Duration.ofSeconds(1)));
             Connection holder = sluice.connect()) {
            assertThat(one(holder, "select 'held'")).isEqualTo("held");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> sluice.connect().close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("53300");
                        assertThat(e.getMessage()).contains("query_wait_timeout")
                                .contains(PgCluster.TEST_DB + "/" + PgCluster.SCRAM_USER);
                    });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("refused after about query_wait_timeout").isBetween(900L, 3000L);
            // the holder is unaffected
            assertThat(one(holder, "select 'still held'")).isEqualTo("still held");
        }
    }

    @Test
    void maxClientConnRefusesTheThirdClient() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 3).set(Settings.MAX_CLIENT_CONN, 2))) {
            try (Connection a = sluice.connect(); Connection b = sluice.connect()) {
                assertThat(one(a, "select 'a'")).isEqualTo("a");
                assertThat(one(b, "select 'b'")).isEqualTo("b");
                assertThatThrownBy(() -> sluice.connect().close())
                        .isInstanceOfSatisfying(PSQLException.class, e -> {
                            assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("53300");
                            assertThat(e.getMessage()).contains("no more connections allowed (max_client_conn=2)");
                        });
                assertThat(one(a, "select 'a again'")).isEqualTo("a again");
            }
            // the refused and the departed clients no longer count
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sluice.server().proxy().clientCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            try (Connection a = sluice.connect(); Connection b = sluice.connect()) {
                assertThat(one(a, "select 1")).isEqualTo("1");
                assertThat(one(b, "select 2")).isEqualTo("2");
            }
        }
    }

    @Test
    void sessionStateIsResetForTheNextClient() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.SESSION, 1)) {
            String pidA;
            try (Connection a = sluice.connect(); Statement st = a.createStatement()) {
                st.execute("SET application_name = 'a'");
                st.execute("create temp table t(x int)");
                st.execute("insert into t values (1)");
                assertThat(one(a, "show application_name")).isEqualTo("a");
                pidA = one(a, "select pg_backend_pid()");
            }
            try (Connection b = sluice.connect()) {
                assertThat(one(b, "select pg_backend_pid()")).as("same server reused").isEqualTo(pidA);
                assertThat(one(b, "show application_name")).isNotEqualTo("a");
                assertThat(one(b, "select coalesce(to_regclass('pg_temp.t')::text, 'none')")).isEqualTo("none");
                // and B can make its own t
                try (Statement st = b.createStatement()) {
                    st.execute("create temp table t(x int)");
                }
            }
        }
    }
}
