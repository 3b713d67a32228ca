// Janitor-enforced client limits: idle-kill (with its log line), client idle, query, transaction, max_waiting_clients.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.activity;
import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.busyBackends;
import static dev.sluice.proxy.testkit.TxItSupport.queryOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientTimeoutsIT {
    private static final String USER = PgCluster.SCRAM_USER;

    @BeforeAll
    static void tables(PgCluster pg) throws SQLException {
        adminExec(pg, "DROP TABLE IF EXISTS lifecycle_it_leak",
                "CREATE TABLE lifecycle_it_leak (id int PRIMARY KEY, v int)",
                "INSERT INTO lifecycle_it_leak VALUES (1, 0)",
                "GRANT ALL ON lifecycle_it_leak TO PUBLIC");
    }

    private static SluiceFixture start(UnaryOperator<SluiceConfig.Builder> more) throws InterruptedException {
        return SluiceFixture.start(b -> more.apply(b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 1)));
    }

    /** The messages Sluice sends before it closes the connection (fails if it stays open for 5 s). */
    private static List<Message> untilClosed(PgWireClient w) {
        w.setTimeout(Duration.ofSeconds(5));
        List<Message> got = new ArrayList<>();
        while (got.size() < 20) {
            try {
                got.add(w.readMessage());
            } catch (UncheckedIOException e) {
                assertThat(e.getCause()).as("closed by Sluice, not timed out; got %s", got)
                        .isNotInstanceOf(java.net.SocketTimeoutException.class);
                return got;
            }
        }
        throw new AssertionError("still open after " + got);
    }

    private static Message onlyError(List<Message> got) {
        assertThat(got).as("replies").hasSize(1);
        assertThat(got.get(0).type()).as("%s", got).isEqualTo('E');
        assertThat(got.get(0).field('S')).isEqualTo("FATAL");
        return got.get(0);
    }

    /** PgBouncer 1.24's per-user idle_transaction_timeout in [users], with the global setting off. */
    @Test
    void aUsersOwnIdleTransactionTimeoutApplies(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = start(b -> b.user(new dev.sluice.config.UserConfig(USER, null, null, null, null,
                Duration.ofSeconds(1), null)));
             LogCapture log = LogCapture.start("dev.sluice")) {
            PgWireClient w = sluice.wire();
            try {
                queryOk(w, "BEGIN");
                queryOk(w, "SELECT 'per-user limit'");
                Message e = onlyError(untilClosed(w));
                assertThat(e.errorCode()).isEqualTo("25P03");
            } finally {
                w.abort();
            }
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("WARN").contains("(limit 1000 ms)")
                    .contains("last statement: SELECT 'per-user limit'"));
        }
    }

    @Test
    void idleInTransactionIsKilledRolledBackLoggedAndItsServerReused(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.IDLE_TRANSACTION_TIMEOUT, Duration.ofSeconds(1)));
             LogCapture log = LogCapture.start("dev.sluice")) {
            Pool pool = sluice.pool(USER);
            PgWireClient w = sluice.wire();
            String pid;
            long t0;
            try {
                queryOk(w, "SET application_name = 'leaky-worker'");
                queryOk(w, "BEGIN");
                pid = w.simpleQuery("select pg_backend_pid()::text").get(0).get(0);
                queryOk(w, "UPDATE lifecycle_it_leak SET v = v + 1\n   WHERE id = 1 /* forgot to commit */");
                t0 = System.nanoTime();
                Message e = onlyError(untilClosed(w));
                long waited = (System.nanoTime() - t0) / 1_000_000;
                assertThat(e.errorCode()).isEqualTo("25P03");
                assertThat(e.errorMessage()).contains("idle_transaction_timeout").contains("rolled back");
                assertThat(waited).as("ms until the kill").isBetween(800L, 5000L);
            } finally {
                w.abort();
            }
            List<String> warns = log.lines().stream().filter(l -> l.startsWith("WARN")
                    && l.contains("idle_transaction_timeout")).toList();
            assertThat(warns).as("one WARN line; all lines %s", log.lines()).hasSize(1);
            assertThat(warns.get(0)).doesNotContain("\n")
                    .contains("user=" + USER).contains("database=" + PgCluster.TEST_DB)
                    .contains("application_name=leaky-worker").contains("address=127.0.0.1:")
                    .containsPattern("idle in transaction \\d+ ms \\(limit 1000 ms\\)")
                    .contains("last statement: UPDATE lifecycle_it_leak SET v = v + 1 WHERE id = 1 /* forgot to commit */");
            // the update was rolled back (its row lock is free) and the same server went back to the pool
            await(Duration.ofSeconds(3), "server back idle", () -> pool.counts().serversIdle() == 1, pool::counts);
            assertThat(adminQuery(pg, "select v::text from lifecycle_it_leak where id = 1 for update nowait"))
                    .containsExactly(List.of("0"));
            try (PgWireClient next = sluice.wire()) {
                assertThat(next.simpleQuery("select pg_backend_pid()::text, current_setting('application_name')"))
                        .containsExactly(List.of(pid, ""));
            }
        }
    }

    @Test
    void lastStatementIsCutAt200Characters() throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.IDLE_TRANSACTION_TIMEOUT, Duration.ofSeconds(1)));
             LogCapture log = LogCapture.start("dev.sluice.proxy.client")) {
            try (PgWireClient w = sluice.wire()) {
                queryOk(w, "BEGIN");
                String longSql = "select '" + "x".repeat(500) + "' as long_one";
                queryOk(w, longSql);
                onlyError(untilClosed(w));
                String line = log.lines().stream().filter(l -> l.contains("last statement:")).findFirst().orElseThrow();
                String stmt = line.substring(line.indexOf("last statement: ") + "last statement: ".length());
                assertThat(stmt).isEqualTo(longSql.substring(0, 200) + "...");
            }
        }
    }

    @Test
    void idleClientIsClosedButABusyOneIsNot() throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.CLIENT_IDLE_TIMEOUT, Duration.ofSeconds(1)));
             PgWireClient idle = sluice.wire(); PgWireClient busy = sluice.wire()) {
            queryOk(idle, "select 1");
            long t0 = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                queryOk(busy, "select " + i);
                Thread.sleep(250);
            }
            Message e = onlyError(untilClosed(idle));
            assertThat(e.errorCode()).isEqualTo("57P05");
            assertThat(e.errorMessage()).contains("client_idle_timeout");
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThan(800L);
            assertThat(busy.simpleQuery("select 'still here'")).containsExactly(List.of("still here"));
        }
    }

    @Test
    void queryTimeoutCancelsTheQueryAndErrors(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.QUERY_TIMEOUT, Duration.ofSeconds(1)))) {
            Pool pool = sluice.pool(USER);
            PgWireClient w = sluice.wire();
            try {
                long t0 = System.nanoTime();
                w.query("select pg_sleep(20) /* query-timeout-it */");
                Message e = onlyError(untilClosed(w));
                assertThat(e.errorCode()).isEqualTo("57014");
                assertThat(e.errorMessage()).contains("query_timeout");
                assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(800L, 5000L);
            } finally {
                w.abort();
            }
            await(Duration.ofSeconds(3), "pg_sleep cancelled on the server",
                    () -> busyBackends(pg, USER, "query-timeout-it").isEmpty(), () -> activity(pg, USER));
            await(Duration.ofSeconds(3), "server cleaned and idle", () -> pool.counts().serversIdle() == 1, pool::counts);
            try (PgWireClient next = sluice.wire()) {
                assertThat(next.simpleQuery("select 'short ok'")).containsExactly(List.of("short ok"));
            }
        }
    }

    @Test
    void transactionTimeoutEndsALongTransactionEvenWhileBusy() throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.TRANSACTION_TIMEOUT, Duration.ofSeconds(1)))) {
            PgWireClient w = sluice.wire();
            try {
                queryOk(w, "BEGIN");
                long t0 = System.nanoTime();
                List<Message> got = new ArrayList<>();
                try {
                    for (int i = 0; i < 20; i++) { // each statement is quick: only the transaction is long
                        TxItSupportLocal.replies(w, "select " + i, got);
                        if (got.stream().anyMatch(m -> m.type() == 'E')) {
                            break;
                        }
                        Thread.sleep(150);
                    }
                    got.addAll(untilClosed(w));
                } catch (UncheckedIOException closed) {
                    // closed while we were writing or reading: the error was read before, or is lost with it
                }
                Message e = got.stream().filter(m -> m.type() == 'E').findFirst().orElseThrow(
                        () -> new AssertionError("no error in " + got));
                assertThat(e.errorCode()).isEqualTo("25P04");
                assertThat(e.errorMessage()).contains("transaction_timeout");
                assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(800L, 5000L);
            } finally {
                w.abort();
            }
        }
    }

    @Test
    void maxWaitingClientsRefusesTheNextWaiterAtOnce() throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.MAX_WAITING_CLIENTS, 1));
             PgWireClient holder = sluice.wire(); PgWireClient waiter = sluice.wire();
             PgWireClient refused = sluice.wire()) {
            queryOk(holder, "BEGIN");
            queryOk(holder, "select 1");
            waiter.query("select 'waited'");
            Pool pool = sluice.pool(USER);
            await(Duration.ofSeconds(3), "one waiter", () -> pool.counts().clientsWaiting() == 1, pool::counts);
            long t0 = System.nanoTime();
            refused.query("select 'refused'");
            Message e = onlyError(untilClosed(refused));
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to refuse (not query_wait_timeout)")
                    .isLessThan(2000L);
            assertThat(e.errorCode()).isEqualTo("53300");
            assertThat(e.errorMessage()).contains("max_waiting_clients");
            queryOk(holder, "COMMIT");
            assertThat(TxItSupportLocal.rows(waiter.readUntilReady())).containsExactly(List.of("waited"));
        }
    }

    /** Reply helpers that do not assert (the error is what these tests look for). */
    private static final class TxItSupportLocal {
        /** Sends {@code sql}; adds each reply to {@code got} as it is read (so none is lost if the peer closes). */
        static void replies(PgWireClient w, String sql, List<Message> got) {
            w.query(sql);
            Message m;
            do {
                m = w.readMessage();
                got.add(m);
            } while (m.type() != 'Z');
        }

        static List<List<String>> rows(List<Message> ms) {
            return ms.stream().filter(m -> m.type() == 'D').map(Message::dataRowText).toList();
        }
    }
}
