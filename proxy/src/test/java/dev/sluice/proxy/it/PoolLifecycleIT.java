// Transaction-mode pool lifecycle: clients dying while linked, servers dying while linked, wait limits, restarts.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.queryOk;
import static dev.sluice.proxy.testkit.TxItSupport.activity;
import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.busyBackends;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class PoolLifecycleIT {
    private static final String USER = PgCluster.SCRAM_USER;

    @BeforeAll
    static void tables(PgCluster pg) throws SQLException {
        adminExec(pg,
                "DROP TABLE IF EXISTS tx_it_lock, tx_it_copyabort",
                "CREATE TABLE tx_it_lock (id int PRIMARY KEY, v int)",
                "INSERT INTO tx_it_lock VALUES (1, 0)",
                "CREATE TABLE tx_it_copyabort (id int)",
                "GRANT ALL ON tx_it_lock, tx_it_copyabort TO PUBLIC");
    }

    private static String scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** No backend of the test user is left idle in a transaction (aborted or not). */
    private static void awaitNoIdleInTransaction(PgCluster pg) throws InterruptedException {
        await(Duration.ofSeconds(3), "no sluice_scram backend idle in transaction",
                () -> pg.backendStates(USER).stream().noneMatch(s -> s != null && s.startsWith("idle in transaction")),
                () -> activity(pg, USER));
    }

    /** Two clients hold transactions at the same time: needs both servers of a pool_size 2 pool. */
    private static void twoParallelTransactions(SluiceFixture sluice) throws SQLException {
        try (Connection a = sluice.connect(); Connection b = sluice.connect();
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            String pa = scalar(sa, "select pg_backend_pid()");
            String pb = scalar(sb, "select pg_backend_pid()");
            assertThat(pa).isNotEqualTo(pb);
            assertThat(scalar(sa, "select v::text from tx_it_lock where id = 1")).isNotNull();
            assertThat(scalar(sb, "select count(*) from tx_it_lock")).isEqualTo("1");
            a.commit();
            b.commit();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void clientKilledIdleInTransactionReleasesLocksAndServer(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            Pool pool = sluice.pool(USER);
            PgWireClient w = sluice.wire();
            queryOk(w, "BEGIN");
            queryOk(w, "select * from tx_it_lock where id = 1 for update");
            queryOk(w, "update tx_it_lock set v = v + 1 where id = 1");
            assertThat(pg.backendStates(USER)).contains("idle in transaction");
            w.abort();

            awaitNoIdleInTransaction(pg);
            try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                assertThat(scalar(st, "select v::text from tx_it_lock where id = 1 for update nowait"))
                        .as("row lock released and the update rolled back").isEqualTo("0");
                c.rollback();
            }
            await(Duration.ofSeconds(3), "servers back in the pool", () -> pool.counts().serversActive() == 0
                    && pool.counts().serversUsed() == 0, pool::counts);
            assertThat(pool.counts().servers()).isBetween(1, 2);
            twoParallelTransactions(sluice);
            assertThat(pool.counts().servers()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void clientKilledMidQueryCancelsIt(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            Pool pool = sluice.pool(USER);
            PgWireClient w = sluice.wire();
            queryOk(w, "BEGIN");
            queryOk(w, "select * from tx_it_lock where id = 1 for update");
            w.query("select pg_sleep(20) /* killed-mid-query */");
            await(Duration.ofSeconds(5), "pg_sleep running", () -> !busyBackends(pg, USER, "killed-mid-query")
                    .stream().filter(s -> s.contains(" active ")).toList().isEmpty(), () -> activity(pg, USER));
            long t0 = System.nanoTime();
            w.abort();

            await(Duration.ofSeconds(3), "the abandoned pg_sleep is no longer running",
                    () -> busyBackends(pg, USER, "killed-mid-query").isEmpty(), () -> activity(pg, USER));
            awaitNoIdleInTransaction(pg);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                assertThat(scalar(st, "select v::text from tx_it_lock where id = 1 for update nowait")).isNotNull();
                c.rollback();
            }
            await(Duration.ofSeconds(3), "servers back in the pool", () -> pool.counts().serversActive() == 0
                    && pool.counts().serversUsed() == 0, pool::counts);
            twoParallelTransactions(sluice);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void clientKilledMidCopyInRollsBack(PgCluster pg) throws Exception {
        adminExec(pg, "TRUNCATE tx_it_copyabort");
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            Pool pool = sluice.pool(USER);
            PgWireClient w = sluice.wire();
            queryOk(w, "BEGIN");
            queryOk(w, "insert into tx_it_copyabort values (-1)");
            w.query("COPY tx_it_copyabort FROM STDIN /* killed-mid-copy */");
            Message m = w.readMessage();
            assertThat(m.type()).as("CopyInResponse, got %s", m).isEqualTo('G');
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                rows.append(i).append('\n');
            }
            w.sendMessage('d', rows.toString().getBytes(StandardCharsets.UTF_8));
            Thread.sleep(200);
            w.abort();

            await(Duration.ofSeconds(3), "the abandoned COPY is no longer running",
                    () -> busyBackends(pg, USER, "killed-mid-copy").isEmpty(), () -> activity(pg, USER));
            awaitNoIdleInTransaction(pg);
            assertThat(adminQuery(pg, "select count(*)::text from tx_it_copyabort")).containsExactly(List.of("0"));
            await(Duration.ofSeconds(3), "servers back in the pool", () -> pool.counts().serversActive() == 0
                    && pool.counts().serversUsed() == 0, pool::counts);
            twoParallelTransactions(sluice);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void serverKilledWhileLinkedFailsTheClientWith08006(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            PgWireClient w = sluice.wire();
            try {
                queryOk(w, "BEGIN");
                String pid = w.simpleQuery("select pg_backend_pid()").get(0).get(0);
                try (Connection admin = pg.adminConnection(); Statement st = admin.createStatement()) {
                    assertThat(scalar(st, "select pg_terminate_backend(" + pid + ")")).isEqualTo("t");
                }
                // Sluice should tell the client by itself (the server's FATAL 57P01 may be relayed first); only if
                // nothing comes does the client send its next statement, as an idle application would.
                List<Message> got = new ArrayList<>();
                w.setTimeout(Duration.ofSeconds(3));
                boolean closed = readUntilClosed(w, got);
                if (!closed && got.isEmpty()) {
                    w.setTimeout(Duration.ofSeconds(5));
                    w.query("select 1");
                    closed = readUntilClosed(w, got);
                }
                assertThat(closed).as("connection closed by Sluice; got %s", got).isTrue();
                String where = "127.0.0.1:" + pg.port();
                assertThat(got).as("messages before close").anySatisfy(m -> {
                    assertThat(m.type()).isEqualTo('E');
                    assertThat(m.errorCode()).isEqualTo("08006");
                    assertThat(m.field('S')).isEqualTo("FATAL");
                    assertThat(m.errorMessage()).contains(where);
                });
                assertThat(got).noneMatch(m -> m.type() == 'Z');
            } finally {
                w.abort();
            }
            try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                assertThat(scalar(st, "select 'new client ok'")).isEqualTo("new client ok");
            }
            twoParallelTransactions(sluice);
        }
    }

    /** Reads messages into {@code got} until EOF/reset (true) or a read timeout (false). */
    private static boolean readUntilClosed(PgWireClient w, List<Message> got) {
        while (got.size() < 50) {
            try {
                got.add(w.readMessage());
            } catch (UncheckedIOException e) {
                return !(e.getCause() instanceof java.net.SocketTimeoutException);
            }
        }
        return false;
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void beginInStatementModeIsRefused(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.STATEMENT, 2)) {
            PgWireClient w = sluice.wire();
            try {
                assertThat(w.simpleQuery("select 'single statements fine'")).containsExactly(
                        List.of("single statements fine"));
                w.query("BEGIN");
                List<Message> got = new ArrayList<>();
                boolean closed = false;
                try {
                    while (got.size() < 10) {
                        got.add(w.readMessage());
                    }
                } catch (UncheckedIOException e) {
                    closed = true;
                }
                assertThat(closed).as("closed after %s", got).isTrue();
                assertThat(got).anySatisfy(m -> {
                    assertThat(m.type()).isEqualTo('E');
                    assertThat(m.errorCode()).isEqualTo("0A000");
                    assertThat(m.errorMessage()).contains("statement pooling mode");
                });
            } finally {
                w.abort();
            }
            awaitNoIdleInTransaction(pg);
            Pool pool = sluice.pool(USER);
            await(Duration.ofSeconds(3), "server cleaned and back", () -> pool.counts().serversActive() == 0
                    && pool.counts().serversUsed() == 0, pool::counts);
            try (PgWireClient w2 = sluice.wire()) {
                assertThat(w2.simpleQuery("select 'next client ok'")).containsExactly(List.of("next client ok"));
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void queryWaitTimeoutFailsTheWaiter() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 1).set(Settings.QUERY_WAIT_TIMEOUT, Duration.ofSeconds(1)));
             PgWireClient holder = sluice.wire()) {
            queryOk(holder, "BEGIN");
            queryOk(holder, "select 1");
            PgWireClient waiter = sluice.wire();
            try {
                long t0 = System.nanoTime();
                waiter.query("select 2");
                Message m = waiter.readMessage();
                long waited = (System.nanoTime() - t0) / 1_000_000;
                assertThat(m.type()).as("got %s", m).isEqualTo('E');
                assertThat(m.errorCode()).isEqualTo("53300");
                assertThat(m.errorMessage()).contains("query_wait_timeout").contains("pool");
                assertThat(waited).as("ms waited").isBetween(900L, 5000L);
                assertThat(waiter.isClosedByPeer(Duration.ofSeconds(3))).isTrue();
            } finally {
                waiter.abort();
            }
            // the holder is unaffected
            assertThat(holder.simpleQuery("select 'holder ok'")).containsExactly(List.of("holder ok"));
            queryOk(holder, "COMMIT");
            assertThat(sluice.pool(USER).counts().clientsWaiting()).isZero();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void databaseRestartIsSurvived(PgCluster pg) throws Exception {
        PgCluster.assumeControllable();
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 2).set(Settings.SERVER_LOGIN_RETRY, Duration.ofSeconds(1)))) {
            Pool pool = sluice.pool(USER);
            twoParallelTransactions(sluice);
            await(Duration.ofSeconds(3), "two idle servers before the restart", () -> pool.counts().serversIdle() == 2,
                    pool::counts);
            // an idle client owns no server in transaction mode: it should live through the restart
            try (Connection survivor = sluice.connect(); Statement sst = survivor.createStatement()) {
                assertThat(scalar(sst, "select 'before'")).isEqualTo("before");
                try {
                    pg.restart();
                } finally {
                    pg.start(); // no-op if running; makes sure later tests have their database
                }
                String after = null;
                SQLException lastFailure = null;
                for (int attempt = 0; attempt < 3 && after == null; attempt++) {
                    try {
                        after = scalar(sst, "select 'after'");
                    } catch (SQLException e) {
                        lastFailure = e;
                        assertThat(survivor.isClosed()).as("survivor closed by %s", e.getMessage()).isFalse();
                        Thread.sleep(300);
                    }
                }
                assertThat(after).as("idle client's query after the restart (last failure %s)",
                        lastFailure == null ? null : lastFailure.getSQLState() + " " + lastFailure.getMessage())
                        .isEqualTo("after");
            }
            int failures = 0;
            String lastError = null;
            boolean ok = false;
            for (int attempt = 0; attempt < 6 && !ok; attempt++) {
                try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                    ok = "1".equals(scalar(st, "select 1"));
                } catch (SQLException e) {
                    failures++;
                    lastError = e.getSQLState() + " " + e.getMessage();
                    Thread.sleep(500);
                }
            }
            assertThat(ok).as("a client works after the restart (failures %d, last %s)", failures, lastError)
                    .isTrue();
            assertThat(failures).as("failed attempts before success; last: %s", lastError).isLessThanOrEqualTo(2);
            for (int i = 0; i < 5; i++) {
                try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                    assertThat(scalar(st, "select " + i)).isEqualTo(String.valueOf(i));
                }
            }
            twoParallelTransactions(sluice);
        } finally {
            pg.start();
        }
    }
}
