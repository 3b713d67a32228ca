// pgjdbc server-prepared statements through transaction pooling: many connections, few servers, names reused.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.PreparedWire.serverStatementNames;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGStatement;

@ExtendWith(PgClusterExtension.class)
class PreparedStatementJdbcIT {
    private static final String USER = PgCluster.SCRAM_USER;
    private static final String SQL_A = "select ?::int + 1, current_user";
    private static final String SQL_B = "select length(?::text)::bigint, ?::text || '!', now() is not null";

    enum Tx { AUTOCOMMIT, EXPLICIT }

    /** One client's work; throws on a wrong result. */
    @FunctionalInterface
    interface ClientWork {
        void run(Connection c, int id) throws Exception;
    }

    private static SluiceFixture tx(int poolSize, int maxPrepared) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, poolSize).set(Settings.MAX_PREPARED_STATEMENTS, maxPrepared)
                .set(Settings.MAX_CLIENT_CONN, 200));
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    /** Opens {@code clients} connections, runs {@code work} on each in its own thread, fails on any error. */
    private static void runClients(SluiceFixture f, int clients, Properties p, ClientWork work) throws Exception {
        ExecutorService exec = Executors.newFixedThreadPool(clients);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> futures = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int i = 0; i < clients; i++) {
                int id = i;
                futures.add(exec.submit(() -> {
                    go.await();
                    try (Connection c = f.connect(USER, PgCluster.SCRAM_PASSWORD, p)) {
                        work.run(c, id);
                    } catch (Throwable t) {
                        failures.add("client " + id + ": " + t);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> fu : futures) {
                fu.get(100, TimeUnit.SECONDS);
            }
        } finally {
            exec.shutdownNow();
            assertThat(exec.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(failures).as("client failures").isEmpty();
        assertThat(f.pool(USER).counts().servers()).as("servers").isLessThanOrEqualTo(2);
    }

    private static void checkA(PreparedStatement ps, int v) throws SQLException {
        ps.setInt(1, v);
        try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getMetaData().getColumnCount()).isEqualTo(2);
            assertThat(rs.getInt(1)).isEqualTo(v + 1);
            assertThat(rs.getString(2)).isEqualTo(USER);
            assertThat(rs.next()).isFalse();
        }
    }

    private static void checkB(PreparedStatement ps, String s) throws SQLException {
        ps.setString(1, s);
        ps.setString(2, s);
        try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getMetaData().getColumnCount()).isEqualTo(3);
            assertThat(rs.getLong(1)).isEqualTo(s.length());
            assertThat(rs.getString(2)).isEqualTo(s + "!");
            assertThat(rs.getBoolean(3)).isTrue();
            assertThat(rs.next()).isFalse();
        }
    }

    /**
     * 30 connections, 2 servers, 200 executions each. Even clients get statement A prepared first and odd ones
     * B, so pgjdbc's per-connection names (S_1, S_2) mean different queries on different connections. A is one
     * PreparedStatement object reused; B is prepared anew each time (pgjdbc's statement cache hands back the
     * server-prepared query).
     */
    @ParameterizedTest(name = "prepareThreshold={0}, {1}")
    @CsvSource({"1, AUTOCOMMIT", "1, EXPLICIT", "5, AUTOCOMMIT", "5, EXPLICIT"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thirtyConnectionsTwoServers(int threshold, Tx mode) throws Exception {
        AtomicLong executions = new AtomicLong();
        try (SluiceFixture f = tx(2, 200)) {
            runClients(f, 30, props("prepareThreshold", String.valueOf(threshold)), (c, id) -> {
                c.setAutoCommit(mode == Tx.AUTOCOMMIT);
                boolean aServerPrepared = false;
                boolean bServerPrepared = false;
                try (PreparedStatement a = c.prepareStatement(SQL_A)) {
                    for (int i = 0; i < 200; i++) {
                        if ((i + id) % 2 == 0) {
                            checkA(a, id * 1000 + i);
                            aServerPrepared = a.unwrap(PGStatement.class).isUseServerPrepare();
                        } else {
                            try (PreparedStatement b = c.prepareStatement(SQL_B)) {
                                checkB(b, "c" + id + "-" + i);
                                bServerPrepared = b.unwrap(PGStatement.class).isUseServerPrepare();
                            }
                        }
                        executions.incrementAndGet();
                        if (mode == Tx.EXPLICIT && i % 10 == 9) {
                            c.commit();
                        }
                    }
                }
                if (mode == Tx.EXPLICIT) {
                    c.commit();
                }
                assertThat(aServerPrepared).as("A used a named server statement").isTrue();
                assertThat(bServerPrepared).as("B used a named server statement").isTrue();
            });
        }
        assertThat(executions.get()).isEqualTo(30 * 200);
    }

    /**
     * preparedStatementCacheQueries=2 with three statements in rotation: every prepareStatement misses pgjdbc's
     * cache, so pgjdbc closes the evicted statement (Close) and parses the next one under a fresh name.
     */
    @ParameterizedTest
    @EnumSource(Tx.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pgjdbcCacheEvictionClosesAndReprepares(Tx mode) throws Exception {
        String[] sqls = {
            "select ?::int * 2",
            "select ?::int * 3, 'three'",
            "select ?::text || '-four', 4::bigint, true",
        };
        try (SluiceFixture f = tx(2, 200)) {
            runClients(f, 30, props("prepareThreshold", "1", "preparedStatementCacheQueries", "2"), (c, id) -> {
                c.setAutoCommit(mode == Tx.AUTOCOMMIT);
                for (int i = 0; i < 200; i++) {
                    int k = (i + id) % 3;
                    try (PreparedStatement ps = c.prepareStatement(sqls[k])) {
                        if (k == 2) {
                            ps.setString(1, "v" + i);
                        } else {
                            ps.setInt(1, i);
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            switch (k) {
                                case 0 -> assertThat(rs.getInt(1)).isEqualTo(i * 2);
                                case 1 -> {
                                    assertThat(rs.getInt(1)).isEqualTo(i * 3);
                                    assertThat(rs.getString(2)).isEqualTo("three");
                                }
                                default -> {
                                    assertThat(rs.getString(1)).isEqualTo("v" + i + "-four");
                                    assertThat(rs.getLong(2)).isEqualTo(4);
                                    assertThat(rs.getBoolean(3)).isTrue();
                                }
                            }
                        }
                        assertThat(ps.unwrap(PGStatement.class).isUseServerPrepare()).isTrue();
                    }
                    if (mode == Tx.EXPLICIT && i % 10 == 9) {
                        c.commit();
                    }
                }
                if (mode == Tx.EXPLICIT) {
                    c.commit();
                }
            });
        }
    }

    /** Same SQL, int4 on some connections and int8 on others: pgjdbc's Parse types differ and must be honoured. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sameSqlWithDifferentParameterTypes() throws Exception {
        try (SluiceFixture f = tx(2, 200)) {
            runClients(f, 10, props("prepareThreshold", "1"), (c, id) -> {
                try (PreparedStatement ps = c.prepareStatement("select ?::bigint + 1")) {
                    for (int i = 0; i < 100; i++) {
                        long expected;
                        if (id % 2 == 0) {
                            ps.setInt(1, i);
                            expected = i + 1;
                        } else {
                            ps.setLong(1, 5_000_000_000L + i);
                            expected = 5_000_000_001L + i;
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getLong(1)).isEqualTo(expected);
                        }
                    }
                }
            });
        }
    }

    /**
     * max_prepared_statements=5 with ten statements in rotation on ten connections: Sluice must keep evicting
     * (Close) and re-preparing on both servers, and never hold more than five there.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void serversHoldAtMostMaxPreparedStatements() throws Exception {
        final int max = 5;
        try (SluiceFixture f = tx(2, max)) {
            runClients(f, 10, props("prepareThreshold", "1"), (c, id) -> {
                List<PreparedStatement> stmts = new ArrayList<>();
                try {
                    for (int k = 0; k < 10; k++) {
                        stmts.add(c.prepareStatement("select ?::int + " + k + ", 'stmt " + k + "'"));
                    }
                    for (int i = 0; i < 200; i++) {
                        int k = (i + id) % 10;
                        PreparedStatement ps = stmts.get(k);
                        ps.setInt(1, i);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getInt(1)).isEqualTo(i + k);
                            assertThat(rs.getString(2)).isEqualTo("stmt " + k);
                        }
                    }
                    for (PreparedStatement ps : stmts) {
                        assertThat(ps.unwrap(PGStatement.class).isUseServerPrepare()).isTrue();
                    }
                } finally {
                    for (PreparedStatement ps : stmts) {
                        ps.close();
                    }
                }
            });
            // Pin both servers with one open transaction each, then look at their statements.
            try (PgWireClient w1 = f.wire(); PgWireClient w2 = f.wire()) {
                w1.simpleQuery("BEGIN");
                w2.simpleQuery("BEGIN");
                Set<String> pids = new HashSet<>();
                int total = 0;
                for (PgWireClient w : List.of(w1, w2)) {
                    pids.add(w.simpleQuery("select pg_backend_pid()").get(0).get(0));
                    List<String> names = serverStatementNames(w);
                    assertThat(names).as("statements on server").hasSizeLessThanOrEqualTo(max)
                            .allMatch(n -> n.startsWith("sluice_"));
                    total += names.size();
                }
                assertThat(pids).as("both servers inspected").hasSize(2);
                assertThat(total).as("Sluice keeps statements on its servers").isPositive();
                w1.simpleQuery("COMMIT");
                w2.simpleQuery("COMMIT");
            }
        }
    }
}
