// Server recycling and health: lifetime and idle timeout seen in pg_stat_activity, server_check_query, dead and black-holed backends.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.activity;
import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.TcpFaultProxy;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerHealthIT {
    private static final String USER = PgCluster.SCRAM_USER;

    private static SluiceFixture start(UnaryOperator<SluiceConfig.Builder> more) throws InterruptedException {
        return SluiceFixture.start(b -> more.apply(b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 1)));
    }

    /** Sluice reaches PostgreSQL through {@code proxy}. */
    private static SluiceConfig.Builder via(SluiceConfig.Builder b, TcpFaultProxy proxy) {
        return b.database(DatabaseConfig.of(PgCluster.TEST_DB, "127.0.0.1", proxy.port(), PgCluster.TEST_DB, null, null));
    }

    private static String pid(SluiceFixture sluice) {
        try (PgWireClient w = sluice.wire()) {
            return w.simpleQuery("select pg_backend_pid()::text").get(0).get(0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** pgjdbc reports a FATAL error's SQLSTATE even when the connection closes right after it. */
    private static void jdbcQuery(SluiceFixture sluice) throws SQLException {
        try (Connection c = sluice.connect(); Statement st = c.createStatement()) {
            st.execute("select 1");
        }
    }

    private static boolean alive(PgCluster pg, String pid) {
        try {
            return !adminQuery(pg, "select 1 from pg_stat_activity where pid = " + pid).isEmpty();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void terminate(PgCluster pg, String pid) throws Exception {
        try (Connection admin = pg.adminConnection(); Statement st = admin.createStatement()) {
            st.execute("select pg_terminate_backend(" + pid + ")");
        }
        await(Duration.ofSeconds(3), "backend " + pid + " gone", () -> !alive(pg, pid));
    }

    /** server_lifetime in a [databases] entry overrides the [pgbouncer] default (3600 s here) for that database. */
    @Test
    void aDatabasesOwnServerLifetimeApplies(PgCluster pg) throws Exception {
        dev.sluice.config.DatabaseConfig db = dev.sluice.config.DatabaseConfig.parse(PgCluster.TEST_DB,
                "host=" + pg.host() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB + " server_lifetime=1");
        try (SluiceFixture sluice = start(b -> b.set(Settings.SERVER_IDLE_TIMEOUT, Duration.ZERO).database(db))) {
            String first = pid(sluice);
            await(Duration.ofSeconds(4), "backend " + first + " closed at the database's server_lifetime",
                    () -> !alive(pg, first), () -> activity(pg, USER));
            assertThat(pid(sluice)).isNotEqualTo(first);
        }
    }

    @Test
    void serverLifetimeRecyclesTheBackend(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.SERVER_LIFETIME, Duration.ofSeconds(1))
                .set(Settings.SERVER_IDLE_TIMEOUT, Duration.ZERO))) {
            String first = pid(sluice);
            await(Duration.ofSeconds(4), "backend " + first + " closed at server_lifetime", () -> !alive(pg, first),
                    () -> activity(pg, USER));
            String second = pid(sluice);
            assertThat(second).isNotEqualTo(first);
            assertThat(alive(pg, second)).isTrue();
        }
    }

    @Test
    void serverLifetimeJitterGivesServersOpenedTogetherDifferentLifetimes() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 4).set(Settings.SERVER_LIFETIME, Duration.ofSeconds(3600))
                .set(Settings.SERVER_LIFETIME_JITTER, Duration.ofSeconds(600)))) {
            List<PgWireClient> clients = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) { // four transactions at once: four servers opened together
                    PgWireClient w = sluice.wire();
                    clients.add(w);
                    w.simpleQuery("BEGIN");
                }
            } finally {
                for (PgWireClient w : clients) {
                    w.close();
                }
            }
            Pool pool = sluice.pool(USER);
            await(Duration.ofSeconds(3), "four idle servers", () -> pool.counts().serversIdle() == 4, pool::counts);
            List<Long> lifetimes = pool.idleServers().stream().map(s -> s.lifetimeNanos()).toList();
            assertThat(lifetimes).allSatisfy(l -> assertThat(l).isBetween(3000_000_000_000L, 3600_000_000_000L));
            assertThat(lifetimes.stream().distinct().count()).as("lifetimes %s", lifetimes).isEqualTo(4);
        }
    }

    @Test
    void serverIdleTimeoutClosesUnusedBackends(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = start(b -> b.set(Settings.SERVER_IDLE_TIMEOUT, Duration.ofSeconds(1)))) {
            Pool pool = sluice.pool(USER);
            String first = pid(sluice);
            assertThat(alive(pg, first)).isTrue();
            await(Duration.ofSeconds(4), "backend " + first + " closed at server_idle_timeout", () -> !alive(pg, first),
                    () -> activity(pg, USER));
            assertThat(pool.counts().servers()).isZero();
        }
    }

    /** PostgreSQL's close of a terminated backend is hidden from Sluice until it writes (as behind a NAT). */
    @Test
    void healthCheckCatchesATerminatedBackendBeforeAClientGetsIt(PgCluster pg) throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start(pg.host(), pg.port());
             SluiceFixture sluice = start(b -> via(b, proxy).set(Settings.SERVER_CHECK_DELAY, Duration.ZERO));
             LogCapture log = LogCapture.start("dev.sluice")) {
            Pool pool = sluice.pool(USER);
            String first = pid(sluice);
            proxy.hideCloses(true);
            terminate(pg, first);
            assertThat(pool.counts().serversIdle()).as("Sluice has not noticed").isEqualTo(1);
            String second = pid(sluice); // no error: the check failed and a new server was opened
            assertThat(second).isNotEqualTo(first);
            assertThat(log.lines()).anyMatch(l -> l.contains("TESTING"));
        }
    }

    /** The same without a check: the dead server reaches the client (what the check above prevents). */
    @Test
    void withoutTheCheckTheClientMeetsTheDeadServer(PgCluster pg) throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start(pg.host(), pg.port());
             SluiceFixture sluice = start(b -> via(b, proxy).set(Settings.SERVER_CHECK_DELAY, Duration.ofSeconds(30)))) {
            String first = pid(sluice);
            proxy.hideCloses(true);
            terminate(pg, first);
            assertThatThrownBy(() -> jdbcQuery(sluice)).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("08006"));
        }
    }

    @Test
    void blackHoledIdleServerFailsItsCheckAndIsReplaced(PgCluster pg) throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start(pg.host(), pg.port());
             SluiceFixture sluice = start(b -> via(b, proxy).set(Settings.SERVER_CHECK_DELAY, Duration.ZERO)
                     .set(Settings.SERVER_CONNECT_TIMEOUT, Duration.ofSeconds(1)));
             LogCapture log = LogCapture.start("dev.sluice")) {
            String first = pid(sluice);
            proxy.blackHoleExisting(); // the server's packets now vanish; new connections still get through
            long t0 = System.nanoTime();
            String second = pid(sluice);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(second).isNotEqualTo(first);
            assertThat(ms).as("ms until served by a new server").isBetween(800L, 5000L);
            assertThat(log.lines()).anyMatch(l -> l.contains("closing server") && l.contains("server_check_query"));
        }
    }

    /** TCP_NODELAY, keepalive with its timers and TCP_USER_TIMEOUT, read back from both kinds of socket. */
    @Test
    void tcpOptionsAreSetOnClientAndServerSockets() throws Exception {
        assumeTrue(Epoll.isAvailable(), "the timers are read back through epoll (Linux)");
        try (SluiceFixture sluice = start(b -> b.set(Settings.TCP_KEEPIDLE, Duration.ofSeconds(7))
                .set(Settings.TCP_KEEPINTVL, Duration.ofSeconds(3)).set(Settings.TCP_KEEPCNT, 4)
                .set(Settings.TCP_USER_TIMEOUT, Duration.ofMillis(2500)));
             PgWireClient w = sluice.wire()) {
            w.simpleQuery("select 1");
            Pool pool = sluice.pool(USER);
            await(Duration.ofSeconds(3), "an idle server", () -> pool.counts().serversIdle() == 1, pool::counts);
            Channel server = pool.idleServers().get(0).channel();
            Channel client = pool.clientList().get(0).channel();
            for (Channel ch : List.of(server, client)) {
                ChannelConfig cfg = ch.config();
                assertThat(cfg.getOption(ChannelOption.TCP_NODELAY)).as("TCP_NODELAY %s", ch).isTrue();
                assertThat(cfg.getOption(ChannelOption.SO_KEEPALIVE)).as("SO_KEEPALIVE %s", ch).isTrue();
                assertThat(cfg.getOption(EpollChannelOption.TCP_KEEPIDLE)).as("TCP_KEEPIDLE %s", ch).isEqualTo(7);
                assertThat(cfg.getOption(EpollChannelOption.TCP_KEEPINTVL)).as("TCP_KEEPINTVL %s", ch).isEqualTo(3);
                assertThat(cfg.getOption(EpollChannelOption.TCP_KEEPCNT)).as("TCP_KEEPCNT %s", ch).isEqualTo(4);
                assertThat(cfg.getOption(EpollChannelOption.TCP_USER_TIMEOUT)).as("TCP_USER_TIMEOUT %s", ch)
                        .isEqualTo(2500);
            }
        }
    }

    /**
     * A backend that stops taking data (its receive window stays 0; PostgreSQL frozen, or a black hole that still
     * acknowledges) is dropped by TCP_USER_TIMEOUT, and the client told, instead of hanging for ever.
     */
    @Test
    void tcpUserTimeoutDropsABackendThatStoppedTakingData(PgCluster pg) throws Exception {
        assumeTrue(Epoll.isAvailable(), "TCP_USER_TIMEOUT needs epoll (Linux)");
        adminExec(pg, "DROP TABLE IF EXISTS health_it_copy", "CREATE TABLE health_it_copy (t text)",
                "GRANT ALL ON health_it_copy TO PUBLIC");
        try (TcpFaultProxy proxy = TcpFaultProxy.start(pg.host(), pg.port());
             SluiceFixture sluice = start(b -> via(b, proxy).set(Settings.TCP_USER_TIMEOUT, Duration.ofMillis(1000)));
             PgWireClient w = sluice.wire()) {
            w.query("COPY health_it_copy FROM STDIN");
            assertThat(w.readMessage().type()).isEqualTo('G');
            proxy.stallToPostgres(true);
            long t0 = System.nanoTime();
            Thread writer = new Thread(() -> {
                byte[] row = ("x".repeat(1023) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < chunk.length; i += row.length) {
                    System.arraycopy(row, 0, chunk, i, row.length);
                }
                try {
                    for (int i = 0; i < 256; i++) { // 16 MB at most: far more than the socket buffers hold
                        w.sendMessage('d', chunk);
                    }
                } catch (RuntimeException closed) {
                    // Sluice closed the client: expected
                }
            }, "health-it-copy-writer");
            writer.setDaemon(true);
            writer.start();
            w.setTimeout(Duration.ofSeconds(15));
            PgWireClient.Message m = w.readMessage();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(m.type()).as("%s", m).isEqualTo('E');
            assertThat(m.errorCode()).isEqualTo("08006");
            assertThat(m.errorMessage()).contains("127.0.0.1:" + proxy.port());
            assertThat(ms).as("ms until the stalled backend was dropped").isBetween(800L, 10_000L);
            writer.join(5_000);
        }
    }

    /** A cancel that never completes must not hold the server's clean-up (and so the server) forever. */
    @Test
    void cancelWaitTimeoutFreesACleanupWaitingOnAHungCancel(PgCluster pg) throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start(pg.host(), pg.port());
             SluiceFixture sluice = start(b -> via(b, proxy).set(Settings.CANCEL_WAIT_TIMEOUT, Duration.ofSeconds(1)));
             LogCapture log = LogCapture.start("dev.sluice")) {
            Pool pool = sluice.pool(USER);
            PgWireClient w = sluice.wire();
            w.query("select pg_sleep(1.5)");
            Thread.sleep(200);
            proxy.blackHoleNew(true); // the cancel's connection goes nowhere
            w.abort(); // clean-up cancels the query and waits for the cancel before reusing the server
            await(Duration.ofSeconds(5), "server cleaned and idle", () -> pool.counts().serversIdle() == 1,
                    pool::counts);
            assertThat(log.lines()).anyMatch(l -> l.contains("cancel_wait_timeout"));
            proxy.blackHoleNew(false);
            assertThat(pid(sluice)).isNotEmpty();
        }
    }

    @Test
    void blackHoledLoginFailsAtServerConnectTimeout(PgCluster pg) throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start(pg.host(), pg.port());
             SluiceFixture sluice = start(b -> via(b, proxy).set(Settings.SERVER_CONNECT_TIMEOUT, Duration.ofSeconds(1)))) {
            proxy.blackHole(true);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> jdbcQuery(sluice)).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("server_connect_timeout").contains("127.0.0.1:" + proxy.port());
            });
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(800L, 5000L);
            proxy.blackHole(false);
            // the failure is remembered only for the backoff: a later client gets through
            Thread.sleep(300);
            await(Duration.ofSeconds(5), "a client gets through again", () -> {
                try {
                    return !pid(sluice).isEmpty();
                } catch (RuntimeException e) {
                    return false;
                }
            });
            assertThat(List.of(proxy.connections())).isNotEmpty();
        }
    }
}
