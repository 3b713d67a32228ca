// Query cancellation through Sluice in transaction mode: the right backend, only while it runs, never another client's.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.activity;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.busyBackends;
import static dev.sluice.proxy.testkit.TxItSupport.sqlState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class CancelIT {
    private static final String USER = PgCluster.SCRAM_USER;
    private ExecutorService exec;

    @BeforeEach
    void threads() {
        exec = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        exec.shutdownNow();
        assertThat(exec.awaitTermination(20, TimeUnit.SECONDS)).as("worker threads ended").isTrue();
    }

    /** Waits until PostgreSQL shows a backend of the test user running a query containing {@code marker}. */
    private static void awaitRunning(PgCluster pg, String marker) throws InterruptedException {
        await(Duration.ofSeconds(10), "a backend running " + marker,
                () -> !busyBackends(pg, USER, marker).isEmpty());
    }

    /** The outcome of {@code q} within {@code seconds}; on timeout fails with what PostgreSQL is running. */
    private static String outcome(Future<String> q, int seconds, PgCluster pg) throws Exception {
        try {
            return q.get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("query still running " + seconds + " s after the cancel; backends: "
                    + activity(pg, USER), e);
        }
    }

    /** Runs {@code sql} and returns the SQLSTATE it failed with, or "ok". */
    private Future<String> run(Statement st, String sql) {
        return exec.submit(() -> {
            try {
                st.execute(sql);
                return "ok";
            } catch (SQLException e) {
                return String.valueOf(sqlState(e));
            }
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void statementCancelStopsTheRunningQuery(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2);
             Connection c = sluice.connect(); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            Future<String> q = run(st, "select pg_sleep(30) /* cancel-me-1 */");
            awaitRunning(pg, "cancel-me-1");
            st.cancel();
            assertThat(outcome(q, 5, pg)).isEqualTo("57014");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            // the connection stays usable, also for a second cancel inside a transaction
            assertThat(scalar(st, "select 7")).isEqualTo("7");
            c.setAutoCommit(false);
            Future<String> q2 = run(st, "select pg_sleep(30) /* cancel-me-2 */");
            awaitRunning(pg, "cancel-me-2");
            st.cancel();
            assertThat(outcome(q2, 5, pg)).isEqualTo("57014");
            c.rollback();
            c.setAutoCommit(true);
            assertThat(scalar(st, "select 8")).isEqualTo("8");
            await(Duration.ofSeconds(3), "no server linked", () -> sluice.pool(USER).counts().serversActive() == 0,
                    () -> sluice.pool(USER).counts());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void cancelOnlyHitsTheCancellingClient(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2);
             Connection a = sluice.connect(); Statement sa = a.createStatement();
             Connection b = sluice.connect(); Statement sb = b.createStatement()) {
            Future<String> qa = run(sa, "select pg_sleep(30) /* victim-a */");
            awaitRunning(pg, "victim-a");
            long bStart = System.nanoTime();
            Future<String> qb = run(sb, "select pg_sleep(1.5) /* bystander-b */");
            awaitRunning(pg, "bystander-b");
            sa.cancel();
            assertThat(outcome(qa, 5, pg)).isEqualTo("57014");
            assertThat(qb.get(10, TimeUnit.SECONDS)).as("b's query is not cancelled").isEqualTo("ok");
            assertThat(Duration.ofNanos(System.nanoTime() - bStart)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bogusOrIdleCancelRequestsCancelNothing(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2);
             PgWireClient idle = sluice.wire();
             PgWireClient busy = sluice.wire()) {
            SecureRandom rnd = new SecureRandom();
            busy.query("select pg_sleep(1.5) /* keep-running */");
            long start = System.nanoTime();
            awaitRunning(pg, "keep-running");
            List<int[]> keys = List.of(
                    new int[] {rnd.nextInt(), rnd.nextInt()}, // random key
                    new int[] {busy.backendPid(), busy.backendSecret() ^ 0x5a5a5a5a}, // right id, wrong secret
                    new int[] {idle.backendPid(), idle.backendSecret()}); // an idle client's valid key
            for (int[] k : keys) {
                try (PgWireClient cancel = PgWireClient.connect("127.0.0.1", sluice.port())) {
                    cancel.sendCancelRequest(k[0], k[1]);
                    assertThat(cancel.isClosedByPeer(Duration.ofSeconds(3))).as("cancel connection closed").isTrue();
                }
            }
            List<PgWireClient.Message> replies = busy.readUntilReady();
            assertThat(replies).noneMatch(m -> m.type() == 'E');
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1300));
            // the idle client's own cancel did not leave anything behind: it still works
            assertThat(idle.simpleQuery("select 'idle ok'")).containsExactly(List.of("idle ok"));
            // and a late cancel of a client that just finished its query cancels nothing later on
            try (PgWireClient cancel = PgWireClient.connect("127.0.0.1", sluice.port())) {
                cancel.sendCancelRequest(busy.backendPid(), busy.backendSecret());
                cancel.isClosedByPeer(Duration.ofSeconds(3));
            }
            busy.query("select pg_sleep(0.5) /* after-late-cancel */");
            assertThat(busy.readUntilReady()).noneMatch(m -> m.type() == 'E');
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void cancelUnderLoadOnlyHitsTheCanceller(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 5)) {
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> loaderErrors = new ConcurrentLinkedQueue<>();
            AtomicInteger loaderQueries = new AtomicInteger();
            List<Future<?>> loaders = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int id = i;
                loaders.add(exec.submit(() -> {
                    try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                        int n = 0;
                        while (!stop.get()) {
                            try {
                                String v = scalar(st, "select " + id + " * 1000 + " + (n % 1000)
                                        + ", pg_sleep(0.002)");
                                if (!v.equals(String.valueOf(id * 1000 + n % 1000))) {
                                    loaderErrors.add("loader " + id + " got " + v);
                                }
                                loaderQueries.incrementAndGet();
                            } catch (SQLException e) {
                                loaderErrors.add("loader " + id + ": " + sqlState(e) + " " + e.getMessage());
                            }
                            n++;
                        }
                    }
                    return null;
                }));
            }
            try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                for (int round = 0; round < 5; round++) {
                    String marker = "canceller-" + round;
                    Future<String> q = run(st, "select pg_sleep(20) /* " + marker + " */");
                    awaitRunning(pg, marker);
                    long t0 = System.nanoTime();
                    st.cancel();
                    assertThat(outcome(q, 5, pg)).as("round %d", round).isEqualTo("57014");
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
                    // cancels that arrive while nothing runs (between queries) must not hit a loader
                    st.cancel();
                    assertThat(scalar(st, "select " + round)).isEqualTo(String.valueOf(round));
                    st.cancel();
                }
            } finally {
                Thread.sleep(300); // let stray cancels (if any) land on loaders before stopping them
                stop.set(true);
                for (Future<?> f : loaders) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(loaderErrors).as("errors seen by the 20 loaders").isEmpty();
            assertThat(loaderQueries.get()).as("loaders made progress").isGreaterThan(100);
        }
    }

    /**
     * Cancels racing the end of short queries: the canceller's server goes back to the pool right after, and
     * the loaders (pool_size 2, so they take that server at once) must never receive the canceller's cancel.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void cancelRacingQueryEndNeverHitsTheNextUser() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 2);
             PgWireClient canceller = sluice.wire()) {
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> loaderErrors = new ConcurrentLinkedQueue<>();
            AtomicInteger loaderQueries = new AtomicInteger();
            List<Future<?>> loaders = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                loaders.add(exec.submit(() -> {
                    try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
                        while (!stop.get()) {
                            try {
                                scalar(st, "select pg_sleep(0.003), " + id);
                                loaderQueries.incrementAndGet();
                            } catch (SQLException e) {
                                loaderErrors.add("loader " + id + ": " + sqlState(e) + " " + e.getMessage());
                            }
                        }
                    }
                    return null;
                }));
            }
            int cancelled = 0;
            try {
                for (int i = 0; i < 150; i++) {
                    canceller.query("select pg_sleep(0.00" + (1 + i % 5) + ")");
                    if (i % 3 != 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(200_000L * (i % 7));
                    }
                    try (PgWireClient cancel = PgWireClient.connect("127.0.0.1", sluice.port())) {
                        cancel.sendCancelRequest(canceller.backendPid(), canceller.backendSecret());
                        cancel.isClosedByPeer(Duration.ofSeconds(5));
                    }
                    for (PgWireClient.Message m : canceller.readUntilReady()) {
                        if (m.type() == 'E') {
                            assertThat(m.errorCode()).isEqualTo("57014");
                            cancelled++;
                        }
                    }
                }
                Thread.sleep(200);
            } finally {
                stop.set(true);
                for (Future<?> f : loaders) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(loaderErrors).as("errors seen by the loaders (%d of the canceller's queries were cancelled)",
                    cancelled).isEmpty();
            assertThat(loaderQueries.get()).isGreaterThan(50);
        }
    }

    private static String scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
