// Transaction pooling end to end: many clients over few servers, transaction integrity, pipelining and COPY.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.queryReplies;
import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.sqlState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

@ExtendWith(PgClusterExtension.class)
class TransactionPoolingIT {
    private static final String USER = PgCluster.SCRAM_USER;

    @BeforeAll
    static void tables(PgCluster pg) throws SQLException {
        adminExec(pg,
                "DROP TABLE IF EXISTS tx_it_rows, tx_it_sp, tx_it_copy",
                "CREATE TABLE tx_it_rows (client_id int NOT NULL, n int NOT NULL)",
                "CREATE INDEX ON tx_it_rows (client_id)",
                "CREATE TABLE tx_it_sp (v int)",
                "CREATE TABLE tx_it_copy (id int, txt text)",
                "GRANT ALL ON tx_it_rows, tx_it_sp, tx_it_copy TO PUBLIC");
    }

    // ------------------------------------------------------------------ many clients, few servers

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiveHundredJdbcClientsShareFiveServers(PgCluster pg) throws Exception {
        adminExec(pg, "TRUNCATE tx_it_rows");
        final int clients = 500;
        final int rounds = 5;
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 5).set(Settings.MAX_CLIENT_CONN, 1000));
             BackendSampler sampler = new BackendSampler(pg, USER)) {
            ExecutorService exec = Executors.newFixedThreadPool(100);
            Connection[] conns = new Connection[clients];
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            try {
                // Phase 1: all 500 connect and stay open; the latch proves they overlap.
                CountDownLatch connected = new CountDownLatch(clients);
                List<Future<?>> opens = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int id = i;
                    opens.add(exec.submit(() -> {
                        try {
                            conns[id] = sluice.connect();
                        } catch (SQLException e) {
                            failures.add("client " + id + " connect: " + e);
                        } finally {
                            connected.countDown();
                        }
                    }));
                }
                assertThat(connected.await(60, TimeUnit.SECONDS)).as("all clients connected").isTrue();
                assertThat(failures).as("connect failures").isEmpty();
                assertThat(sluice.pool(USER).counts().clientsLinkedOrIdle()
                        + sluice.pool(USER).counts().clientsWaiting()).isEqualTo(clients);

                // Phase 2: every client runs its transactions while all 500 stay connected.
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int id = i;
                    work.add(exec.submit(() -> {
                        go.await();
                        try {
                            runClient(conns[id], id, rounds);
                        } catch (Throwable t) {
                            failures.add("client " + id + ": " + t);
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : work) {
                    f.get(90, TimeUnit.SECONDS);
                }
            } finally {
                for (Connection c : conns) {
                    if (c != null) {
                        try {
                            c.close();
                        } catch (SQLException ignored) {
                            // closing is best effort
                        }
                    }
                }
                exec.shutdownNow();
                assertThat(exec.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
            }
            sampler.stop();
            assertThat(failures).as("client failures (first few)").isEmpty();
            assertThat(sampler.samples()).as("sampler ran").isGreaterThan(3);
            assertThat(sampler.max()).as("max sluice_scram backends seen").isBetween(1, 5);
            assertThat(sluice.pool(USER).stats().links).isGreaterThanOrEqualTo((long) clients * rounds * 2);
            assertThat(sluice.pool(USER).counts().servers()).isLessThanOrEqualTo(5);
            List<List<String>> perClient = adminQuery(pg,
                    "SELECT count(DISTINCT client_id)::text, count(*)::text FROM tx_it_rows");
            assertThat(perClient.get(0)).containsExactly(String.valueOf(clients), String.valueOf(clients * rounds));
        }
    }

    private static void runClient(Connection c, int id, int rounds) throws SQLException {
        for (int r = 1; r <= rounds; r++) {
            int value = id * 1000 + r;
            try (PreparedStatement ps = c.prepareStatement("select ?::int, pg_backend_pid()")) {
                ps.setInt(1, value);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != value) {
                        throw new AssertionError("client " + id + " got " + rs.getInt(1) + " instead of " + value);
                    }
                }
            }
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ins = c.prepareStatement("insert into tx_it_rows values (?, ?)")) {
                    ins.setInt(1, id);
                    ins.setInt(2, r);
                    ins.executeUpdate();
                }
                try (PreparedStatement cnt = c.prepareStatement(
                        "select count(*), max(n) from tx_it_rows where client_id = ?")) {
                    cnt.setInt(1, id);
                    try (ResultSet rs = cnt.executeQuery()) {
                        rs.next();
                        if (rs.getInt(1) != r || rs.getInt(2) != r) {
                            throw new AssertionError("client " + id + " round " + r + " sees count " + rs.getInt(1)
                                    + " max " + rs.getInt(2));
                        }
                    }
                }
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hundredRawClientsPipelining(PgCluster pg) throws Exception {
        final int clients = 100;
        final int depth = 10;
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 5).set(Settings.MAX_CLIENT_CONN, 1000));
             BackendSampler sampler = new BackendSampler(pg, USER)) {
            List<PgWireClient> wires = Collections.synchronizedList(new ArrayList<>());
            ExecutorService exec = Executors.newFixedThreadPool(50);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            try {
                CountDownLatch connected = new CountDownLatch(clients);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int id = i;
                    work.add(exec.submit(() -> {
                        PgWireClient w;
                        try {
                            w = sluice.wire();
                            wires.add(w);
                        } finally {
                            connected.countDown();
                        }
                        go.await();
                        for (int round = 0; round < 3; round++) {
                            for (int q = 0; q < depth; q++) {
                                w.query("select " + id + ", " + (round * depth + q));
                            }
                            for (int q = 0; q < depth; q++) {
                                List<String> row = null;
                                for (Message m : w.readUntilReady()) {
                                    if (m.type() == 'D') {
                                        row = m.dataRowText();
                                    } else if (m.type() == 'E') {
                                        failures.add("client " + id + ": " + m);
                                    }
                                }
                                List<String> want = List.of(String.valueOf(id), String.valueOf(round * depth + q));
                                if (!want.equals(row)) {
                                    failures.add("client " + id + " wanted " + want + " got " + row);
                                }
                            }
                        }
                        return null;
                    }));
                }
                // 50 threads for 100 clients: the second half connects as the first half finishes, so clients
                // overlap partly; each pipelines its batches regardless of how many others are connected.
                go.countDown();
                for (Future<?> f : work) {
                    f.get(45, TimeUnit.SECONDS);
                }
                assertThat(connected.await(1, TimeUnit.SECONDS)).isTrue();
            } finally {
                exec.shutdownNow();
                for (PgWireClient w : wires) {
                    w.close();
                }
            }
            sampler.stop();
            assertThat(failures).isEmpty();
            assertThat(sampler.max()).as("max sluice_scram backends seen").isLessThanOrEqualTo(5);
            assertThat(sluice.pool(USER).counts().servers()).isLessThanOrEqualTo(5);
        }
    }

    // ------------------------------------------------------------------ transaction integrity

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void backendPidIsConstantInsideATransaction() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            ExecutorService exec = Executors.newFixedThreadPool(2);
            Set<Integer> allPids = Collections.synchronizedSet(new HashSet<>());
            try {
                CountDownLatch both = new CountDownLatch(2);
                List<Future<Integer>> fs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int id = t;
                    fs.add(exec.submit(() -> {
                        int checked = 0;
                        try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                            both.countDown();
                            both.await();
                            for (int tx = 0; tx < 15; tx++) {
                                c.setAutoCommit(false);
                                int first = pid(st);
                                allPids.add(first);
                                for (int k = 0; k < 4; k++) {
                                    st.execute("select pg_sleep(0.002), " + id);
                                    assertThat(pid(st)).as("pid within transaction %d of client %d", tx, id)
                                            .isEqualTo(first);
                                    checked++;
                                }
                                c.commit();
                                c.setAutoCommit(true);
                                allPids.add(pid(st)); // between transactions: any server
                            }
                        }
                        return checked;
                    }));
                }
                for (Future<Integer> f : fs) {
                    assertThat(f.get(40, TimeUnit.SECONDS)).isEqualTo(60);
                }
            } finally {
                exec.shutdownNow();
            }
            assertThat(allPids).as("distinct backends used with pool_size 2").hasSizeBetween(1, 2);
        }
    }

    private static int pid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void setLocalEndsWithTheTransaction() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             Connection c = sluice.connect(); Statement st = c.createStatement();
             Connection other = sluice.connect(); Statement ost = other.createStatement()) {
            String before = show(st, "statement_timeout");
            c.setAutoCommit(false);
            st.execute("SET LOCAL statement_timeout = '4321ms'");
            assertThat(show(st, "statement_timeout")).isEqualTo("4321ms");
            c.commit();
            c.setAutoCommit(true);
            assertThat(show(st, "statement_timeout")).isEqualTo(before);
            // the same (only) server, used by another client: no trace of the local setting
            assertThat(show(ost, "statement_timeout")).isEqualTo(before);
        }
    }

    private static String show(Statement st, String name) throws SQLException {
        try (ResultSet rs = st.executeQuery("select current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void savepointsWork(PgCluster pg) throws Exception {
        adminExec(pg, "TRUNCATE tx_it_sp");
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2);
             Connection c = sluice.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("insert into tx_it_sp values (1)");
            st.execute("SAVEPOINT a");
            st.execute("insert into tx_it_sp values (2)");
            assertThatThrownBy(() -> st.execute("select 1/0"))
                    .satisfies(e -> assertThat(sqlState(e)).isEqualTo("22012"));
            st.execute("ROLLBACK TO SAVEPOINT a");
            st.execute("insert into tx_it_sp values (3)");
            st.execute("SAVEPOINT b");
            st.execute("insert into tx_it_sp values (4)");
            st.execute("RELEASE SAVEPOINT b");
            c.commit();
            c.setAutoCommit(true);
            List<Integer> vals = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select v from tx_it_sp order by v")) {
                while (rs.next()) {
                    vals.add(rs.getInt(1));
                }
            }
            assertThat(vals).containsExactly(1, 3, 4);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void failedTransactionKeepsServerUntilRollback() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2);
             PgWireClient w = sluice.wire()) {
            Pool pool = sluice.pool(USER);
            assertThat(lastStatus(w, "BEGIN")).isEqualTo('T');
            List<Message> err = queryReplies(w, "select 1/0");
            assertThat(errorCode(err)).isEqualTo("22012");
            assertThat(err.get(err.size() - 1).txStatus()).isEqualTo('E');
            assertThat(pool.counts().serversActive()).as("linked while status E").isEqualTo(1);
            for (int i = 0; i < 2; i++) {
                List<Message> again = queryReplies(w, "select 1");
                assertThat(errorCode(again)).isEqualTo("25P02");
                assertThat(again.get(again.size() - 1).txStatus()).isEqualTo('E');
            }
            assertThat(lastStatus(w, "ROLLBACK")).isEqualTo('I');
            assertThat(w.simpleQuery("select 42")).containsExactly(List.of("42"));
            await(Duration.ofSeconds(3), "server released after the client went idle",
                    () -> pool.counts().serversActive() == 0, pool::counts);
            assertThat(pool.counts().serversIdle()).isGreaterThanOrEqualTo(1);
        }
    }

    private static char lastStatus(PgWireClient w, String sql) {
        List<Message> ms = queryReplies(w, sql);
        assertThat(errorCode(ms)).as("error for " + sql).isNull();
        return ms.get(ms.size() - 1).txStatus();
    }

    private static String errorCode(List<Message> ms) {
        for (Message m : ms) {
            if (m.type() == 'E') {
                return m.errorCode();
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ pipelining

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void pipelinedSimpleQueries() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             PgWireClient w = sluice.wire()) {
            for (int round = 0; round < 5; round++) {
                w.query("select 'a" + round + "'");
                w.query("select 'b" + round + "'");
                w.query("select 'c" + round + "'");
                for (String want : List.of("a", "b", "c")) {
                    List<Message> ms = w.readUntilReady();
                    assertThat(ms.stream().filter(m -> m.type() == 'D').map(Message::dataRowText))
                            .containsExactly(List.of(want + round));
                    assertThat(ms.get(ms.size() - 1).txStatus()).isEqualTo('I');
                }
            }
            // a pipelined transaction across several Query messages keeps one server throughout
            w.query("BEGIN");
            w.query("select pg_backend_pid()");
            w.query("select pg_backend_pid()");
            w.query("COMMIT");
            List<String> pids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                for (Message m : w.readUntilReady()) {
                    assertThat(m.type()).isNotEqualTo('E');
                    if (m.type() == 'D') {
                        pids.add(m.dataRowText().get(0));
                    }
                }
            }
            assertThat(pids).hasSize(2);
            assertThat(pids.get(0)).isEqualTo(pids.get(1));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void pipelinedExtendedBatches() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             PgWireClient w = sluice.wire()) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 3; i++) {
                    w.parse("", "select $1::int * 2", 0);
                    w.bind("", "", List.of(String.valueOf(round * 10 + i)));
                    w.execute("", 0);
                    w.sync();
                }
                for (int i = 0; i < 3; i++) {
                    List<Message> ms = w.readUntilReady();
                    StringBuilder types = new StringBuilder();
                    ms.forEach(m -> types.append(m.type()));
                    assertThat(types.toString()).isEqualTo("12DCZ");
                    assertThat(ms.get(2).dataRowText()).containsExactly(String.valueOf((round * 10 + i) * 2));
                }
            }
            assertThat(w.simpleQuery("select 'still fine'")).containsExactly(List.of("still fine"));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void flushWithoutSyncKeepsTheServer() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             PgWireClient a = sluice.wire(); PgWireClient b = sluice.wire()) {
            Pool pool = sluice.pool(USER);
            a.parse("", "select 'from a'");
            a.bind("", "", List.of());
            a.execute("", 0);
            a.flush();
            StringBuilder types = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                types.append(a.readMessage().type());
            }
            assertThat(types.toString()).isEqualTo("12DC");

            AtomicLong bDoneAt = new AtomicLong();
            CompletableFuture<List<List<String>>> bResult = CompletableFuture.supplyAsync(() -> {
                List<List<String>> rows = b.simpleQuery("select 'from b'");
                bDoneAt.set(System.nanoTime());
                return rows;
            });
            await(Duration.ofSeconds(3), "b queued behind a", () -> pool.counts().clientsWaiting() == 1,
                    pool::counts);
            Thread.sleep(700);
            assertThat(bResult).as("b must wait while a holds unsynced extended state").isNotDone();
            assertThat(pool.counts().serversActive()).isEqualTo(1);

            long syncAt = System.nanoTime();
            a.sync();
            List<Message> rest = a.readUntilReady();
            assertThat(rest).hasSize(1);
            assertThat(rest.get(0).txStatus()).isEqualTo('I');
            assertThat(bResult.get(5, TimeUnit.SECONDS)).containsExactly(List.of("from b"));
            assertThat(bDoneAt.get()).isGreaterThan(syncAt);
        }
    }

    // ------------------------------------------------------------------ COPY

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void copyInAndOutThenOthersUseThePool(PgCluster pg) throws Exception {
        adminExec(pg, "TRUNCATE tx_it_copy");
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2)) {
            Pool pool = sluice.pool(USER);
            StringBuilder data = new StringBuilder();
            for (int i = 1; i <= 5000; i++) {
                data.append(i).append('\t').append("row ").append(i).append('\n');
            }
            try (Connection c = sluice.connect()) {
                CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
                long in = cm.copyIn("COPY tx_it_copy FROM STDIN", new StringReader(data.toString()));
                assertThat(in).isEqualTo(5000);
                StringWriter out = new StringWriter();
                long outRows = cm.copyOut("COPY (SELECT id, txt FROM tx_it_copy ORDER BY id) TO STDOUT", out);
                assertThat(outRows).isEqualTo(5000);
                assertThat(out.toString()).isEqualTo(data.toString());
                // COPY inside an explicit transaction, rolled back
                c.setAutoCommit(false);
                cm.copyIn("COPY tx_it_copy FROM STDIN", new StringReader("9999\tgone\n"));
                c.rollback();
                c.setAutoCommit(true);
            }
            await(Duration.ofSeconds(3), "no server linked after COPY", () -> pool.counts().serversActive() == 0,
                    pool::counts);
            ExecutorService exec = Executors.newFixedThreadPool(4);
            try {
                List<Callable<Integer>> tasks = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    tasks.add(() -> {
                        int sum = 0;
                        try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                            for (int i = 0; i < 10; i++) {
                                try (ResultSet rs = st.executeQuery("select count(*) from tx_it_copy")) {
                                    rs.next();
                                    sum += rs.getInt(1);
                                }
                            }
                        }
                        return sum;
                    });
                }
                for (Future<Integer> f : exec.invokeAll(tasks, 30, TimeUnit.SECONDS)) {
                    assertThat(f.get()).isEqualTo(50_000);
                }
            } finally {
                exec.shutdownNow();
            }
        }
    }

    // ------------------------------------------------------------------ sampler

    /** Samples the number of backends of a user every 20 ms on its own thread. */
    static final class BackendSampler implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger max = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        private final AtomicInteger errors = new AtomicInteger();
        private final Thread thread;

        BackendSampler(PgCluster pg, String user) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        int n = pg.countBackends(user);
                        max.accumulateAndGet(n, Math::max);
                        samples.incrementAndGet();
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                }
            }, "backend-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5000);
        }

        int max() {
            return max.get();
        }

        int samples() {
            return samples.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
