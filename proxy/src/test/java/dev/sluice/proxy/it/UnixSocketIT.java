// Backends on a unix socket directory (host=/dir): pooling across event loops, cancel, SHOW SERVERS, check, TLS refusal.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.activity;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.busyBackends;
import static dev.sluice.proxy.testkit.TxItSupport.sqlState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.TlsMode;
import dev.sluice.proxy.SluiceServer;
import dev.sluice.proxy.check.CheckCommand;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.SluiceFixture;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@ExtendWith(PgClusterExtension.class)
@Timeout(120)
class UnixSocketIT {
    private static final String USER = PgCluster.SCRAM_USER;
    private static final String ADMIN = PgCluster.PLAIN_USER;
    private ExecutorService exec;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        Assumptions.assumeTrue(Epoll.isAvailable(), "unix-socket backends need the epoll transport");
        PgCluster.assumeControllable(); // the socket directory of a private cluster is known
        exec = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        if (exec != null) {
            exec.shutdownNow();
            assertThat(exec.awaitTermination(20, TimeUnit.SECONDS)).as("worker threads ended").isTrue();
        }
    }

    /** Sluice with the test database on the cluster's socket directory, in transaction mode. */
    private static SluiceFixture sluice(PgCluster pg, int poolSize, int threads) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, poolSize)
                .set(Settings.ADMIN_USERS, List.of(ADMIN))
                .database(DatabaseConfig.of(PgCluster.TEST_DB, pg.socketDir().toString(), pg.port(),
                        PgCluster.TEST_DB, null, null)), threads);
    }

    /** pg_stat_activity rows of {@code user}'s client backends: client_addr is null only for unix sockets. */
    private static List<List<String>> backendsOf(PgCluster pg, String user) throws SQLException {
        return adminQuery(pg, "SELECT pid::text, coalesce(host(client_addr), 'unix') FROM pg_stat_activity"
                + " WHERE usename = ? AND backend_type = 'client backend'", user);
    }

    @Test
    void transactionPoolingOverTheSocketAcrossEventLoops(PgCluster pg) throws Exception {
        int clients = 8;
        int rounds = 25;
        // 4 loops, 2 servers: clients on the loops without a server get one moved over (deregister/register)
        try (SluiceFixture sluice = sluice(pg, 2, 4)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                results.add(exec.submit(() -> {
                    int sum = 0;
                    try (Connection conn = sluice.connect()) {
                        for (int i = 0; i < rounds; i++) {
                            conn.setAutoCommit(false);
                            try (Statement st = conn.createStatement();
                                    ResultSet rs = st.executeQuery("select " + id + " + " + i)) {
                                rs.next();
                                sum += rs.getInt(1);
                            }
                            conn.commit();
                            conn.setAutoCommit(true);
                        }
                    }
                    return sum;
                }));
            }
            for (int c = 0; c < clients; c++) {
                assertThat(results.get(c).get(60, TimeUnit.SECONDS)).isEqualTo(c * rounds + rounds * (rounds - 1) / 2);
            }
            List<List<String>> backends = backendsOf(pg, USER);
            assertThat(backends).as("servers of the pool, all over the unix socket").isNotEmpty().hasSizeLessThanOrEqualTo(2)
                    .allSatisfy(r -> assertThat(r.get(1)).isEqualTo("unix"));
            assertThat(sluice.pool(USER).stats().handoffs).as("servers moved between event loops").isPositive();
            try (Connection conn = sluice.connect(); Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("select 'still working'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("still working");
            }
        }
    }

    @Test
    void cancelReachesTheQueryOverTheSocket(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = sluice(pg, 1, 2); Connection conn = sluice.connect();
                Statement st = conn.createStatement()) {
            Future<String> q = exec.submit(() -> {
                try {
                    st.execute("select pg_sleep(30) /* unix-cancel-me */");
                    return "ok";
                } catch (SQLException e) {
                    return String.valueOf(sqlState(e));
                }
            });
            await(Duration.ofSeconds(10), "a backend running the sleep",
                    () -> !busyBackends(pg, USER, "unix-cancel-me").isEmpty());
            st.cancel();
            try {
                assertThat(q.get(10, TimeUnit.SECONDS)).as("query_canceled").isEqualTo("57014");
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("query still running after the cancel: " + activity(pg, USER), e);
            }
            try (ResultSet rs = st.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @Test
    void showServersNamesTheSocket(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = sluice(pg, 2, 2); Connection conn = sluice.connect()) {
            conn.setAutoCommit(false); // keeps the server linked, so SHOW SERVERS has a row while we look
            try (Statement st = conn.createStatement()) {
                st.execute("select 1");
            }
            Properties p = new Properties();
            p.setProperty("user", ADMIN);
            p.setProperty("password", PgCluster.PLAIN_PASSWORD);
            p.setProperty("connectTimeout", "10");
            p.setProperty("socketTimeout", "60");
            try (Connection admin = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + sluice.port() + "/pgbouncer", p);
                    Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW SERVERS")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString("user") + " " + rs.getString("state") + " " + rs.getString("addr") + " "
                            + rs.getInt("port") + " " + rs.getString("local_addr") + " " + rs.getInt("local_port"));
                }
                assertThat(rows).contains(USER + " active unix " + pg.port() + " unix " + pg.port());
            }
            conn.rollback();
        }
    }

    @Test
    void readyProbesTheSocket(PgCluster pg) throws Exception {
        for (String sockDir : List.of(pg.socketDir().toString(), dir.resolve("no-such-dir").toString())) {
            try (SluiceServer s = SluiceServer.start(SluiceFixture.baseConfig(pg)
                    .set(Settings.METRICS_LISTEN, "127.0.0.1:0")
                    .database(DatabaseConfig.of(PgCluster.TEST_DB, sockDir, pg.port(), PgCluster.TEST_DB, null, null))
                    .build(), 1)) {
                // no server connections yet: /ready asks the backend itself, over the socket
                java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                + s.metrics().address().getPort() + "/ready")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (sockDir.endsWith("no-such-dir")) {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(r.body()).contains("no backend reachable (tried " + sockDir + "/.s.PGSQL." + pg.port());
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
            }
        }
    }

    private record Run(int exit, String out) {
    }

    private static Run check(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            int exit = new CommandLine(new CheckCommand(Map.of(), out)).execute(args);
            return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
        }
    }

    private Path ini(PgCluster pg, String... extraSettings) throws Exception {
        Files.writeString(dir.resolve("userlist.txt"), "\"" + USER + "\" \"" + PgCluster.SCRAM_PASSWORD + "\"\n");
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                "app = host=" + pg.socketDir() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB,
                "[pgbouncer]",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "default_pool_size = 5",
                String.join("\n", extraSettings),
                ""));
        return ini;
    }

    @Test
    void checkProbesTheSocket(PgCluster pg) throws Exception {
        Run r = check("--config", ini(pg).toString());
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("database app -> " + pg.socketDir() + "/.s.PGSQL." + pg.port() + "/"
                + PgCluster.TEST_DB + " as " + USER + ": reachable, login ok, PostgreSQL ");
    }

    /** As libpq and PgBouncer: sslmode does not apply to a socket; Sluice connects plain and says so at start. */
    @Test
    void requiredServerTlsDoesNotApplyToASocket(PgCluster pg) throws Exception {
        try (LogCapture log = LogCapture.start("dev.sluice");
             SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                     .set(Settings.SERVER_TLS_SSLMODE, TlsMode.REQUIRE)
                     .database(DatabaseConfig.of(PgCluster.TEST_DB, pg.socketDir().toString(), pg.port(),
                             PgCluster.TEST_DB, null, null)), 1);
             Connection conn = sluice.connect(); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("select 1")) {
            assertThat(rs.next()).as("served over the socket").isTrue();
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("host = '" + pg.socketDir()
                    + "' is a unix socket directory; PostgreSQL has no TLS there, so server_tls_sslmode = require"
                    + " does not apply to it"));
        }
        Run r = check("--config", ini(pg, "server_tls_sslmode = require").toString());
        assertThat(r.exit()).as(r.out()).isZero();
    }
}
