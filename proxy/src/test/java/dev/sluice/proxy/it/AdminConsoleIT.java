// The admin console through pgjdbc (extended and simple protocol) and psql: PgBouncer's columns, roles, actions.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(PgClusterExtension.class)
@Timeout(120)
class AdminConsoleIT {
    private static final String ADMIN = PgCluster.PLAIN_USER;
    private static final String ADMIN_PASSWORD = PgCluster.PLAIN_PASSWORD;
    private static final String STATS = PgCluster.MD5_USER;
    private static final String STATS_PASSWORD = PgCluster.MD5_PASSWORD;
    private static final String SOCKET_COLUMNS = "type,user,database,replication,state,addr,port,local_addr,local_port,"
            + "connect_time,request_time,wait,wait_us,close_needed,ptr,link,remote_pid,tls,application_name,"
            + "prepared_statements,id";

    /** Column lists of PgBouncer 1.2x (src/admin.c, src/stats.c); Sluice may only add columns after them. */
    static final Map<String, String> PGBOUNCER_COLUMNS = new LinkedHashMap<>();

    static {
        PGBOUNCER_COLUMNS.put("POOLS", "database,user,cl_active,cl_waiting,cl_active_cancel_req,cl_waiting_cancel_req,"
                + "sv_active,sv_active_cancel,sv_being_canceled,sv_idle,sv_used,sv_tested,sv_login,maxwait,maxwait_us,"
                + "pool_mode,load_balance_hosts");
        PGBOUNCER_COLUMNS.put("STATS", "database,total_server_assignment_count,total_xact_count,total_query_count,"
                + "total_received,total_sent,total_xact_time,total_query_time,total_wait_time,total_client_parse_count,"
                + "total_server_parse_count,total_bind_count,total_client_connect_count,avg_server_assignment_count,"
                + "avg_xact_count,avg_query_count,avg_recv,avg_sent,avg_xact_time,avg_query_time,avg_wait_time,"
                + "avg_client_parse_count,avg_server_parse_count,avg_bind_count,avg_client_connect_count");
        PGBOUNCER_COLUMNS.put("STATS_TOTALS", "database,server_assignment_count,xact_count,query_count,bytes_received,"
                + "bytes_sent,xact_time,query_time,wait_time,client_parse_count,server_parse_count,bind_count,"
                + "client_connect_count");
        PGBOUNCER_COLUMNS.put("CLIENTS", SOCKET_COLUMNS);
        PGBOUNCER_COLUMNS.put("SERVERS", SOCKET_COLUMNS);
        PGBOUNCER_COLUMNS.put("DATABASES", "name,host,port,database,force_user,pool_size,min_pool_size,"
                + "reserve_pool_size,server_lifetime,pool_mode,load_balance_hosts,max_connections,current_connections,"
                + "max_client_connections,current_client_connections,paused,disabled");
        PGBOUNCER_COLUMNS.put("USERS", "name,pool_size,reserve_pool_size,pool_mode,max_user_connections,"
                + "current_connections,max_user_client_connections,current_client_connections");
        PGBOUNCER_COLUMNS.put("CONFIG", "key,value,default,changeable");
        PGBOUNCER_COLUMNS.put("LISTS", "list,items");
        PGBOUNCER_COLUMNS.put("VERSION", "version");
        PGBOUNCER_COLUMNS.put("STATE", "key,value");
    }

    private static SluiceFixture sluice;

    @BeforeAll
    static void start() throws Exception {
        sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 3)
                .set(Settings.ADMIN_USERS, List.of(ADMIN))
                .set(Settings.STATS_USERS, List.of(STATS)));
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private static Connection console(String user, String password, String mode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("preferQueryMode", mode);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + sluice.port() + "/pgbouncer", p);
    }

    private static Connection admin() throws SQLException {
        return console(ADMIN, ADMIN_PASSWORD, "extended");
    }

    private static List<String> columns(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            out.add(md.getColumnName(i));
        }
        return out;
    }

    private static List<Map<String, String>> rows(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> cols = columns(rs);
            List<Map<String, String>> out = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < cols.size(); i++) {
                    row.put(cols.get(i), rs.getString(i + 1));
                }
                out.add(row);
            }
            return out;
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void everyShowHasPgbouncersColumnsInOrder(String mode) throws Exception {
        try (Connection app = sluice.connect(); Statement st = app.createStatement()) {
            st.execute("select 1"); // a pool with a server and a client
            try (Connection c = console(ADMIN, ADMIN_PASSWORD, mode)) {
                for (Map.Entry<String, String> e : PGBOUNCER_COLUMNS.entrySet()) {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + e.getKey())) {
                        List<String> expected = List.of(e.getValue().split(","));
                        assertThat(columns(rs)).as("SHOW %s over %s protocol", e.getKey(), mode)
                                .startsWith(expected.toArray(new String[0]));
                    }
                }
                List<Map<String, String>> pools = rows(c, "show pools;");
                assertThat(pools).anySatisfy(r -> {
                    assertThat(r.get("database")).isEqualTo(PgCluster.TEST_DB);
                    assertThat(r.get("user")).isEqualTo(PgCluster.SCRAM_USER);
                    assertThat(Integer.parseInt(r.get("cl_active"))).isGreaterThanOrEqualTo(1);
                    assertThat(r.get("pool_mode")).isEqualTo("transaction");
                });
                assertThat(rows(c, "SHOW VERSION").get(0).get("version")).startsWith("Sluice ");
                assertThat(rows(c, "SHOW STATE")).extracting(r -> r.get("key") + "=" + r.get("value"))
                        .containsExactly("active=yes", "paused=no", "suspended=no");
                assertThat(rows(c, "SHOW CONFIG")).anySatisfy(r -> {
                    assertThat(r.get("key")).isEqualTo("default_pool_size");
                    assertThat(r.get("value")).isEqualTo("3");
                    assertThat(r.get("default")).isEqualTo("20");
                });
                assertThat(rows(c, "SHOW STATS_TOTALS")).anySatisfy(r -> {
                    assertThat(r.get("database")).isEqualTo(PgCluster.TEST_DB);
                    assertThat(Long.parseLong(r.get("xact_count"))).isPositive();
                    assertThat(Long.parseLong(r.get("query_count"))).isPositive();
                    assertThat(Long.parseLong(r.get("bytes_received"))).isPositive();
                });
            }
        }
    }

    @Test
    void showClientsNamesTheApplicationHoldingAServerAndForHowLong() throws Exception {
        Properties p = new Properties();
        p.setProperty("ApplicationName", "billing-worker");
        try (Connection app = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, p);
             Statement st = app.createStatement(); Connection c = admin()) {
            app.setAutoCommit(false);
            st.execute("select 1"); // a transaction left open: the client holds its server
            Thread.sleep(50);
            List<Map<String, String>> clients = rows(c, "SHOW CLIENTS");
            assertThat(clients).anySatisfy(r -> {
                assertThat(r.get("type")).isEqualTo("C");
                assertThat(r.get("application_name")).isEqualTo("billing-worker");
                assertThat(r.get("state")).isEqualTo("active");
                assertThat(r.get("addr")).isEqualTo("127.0.0.1");
                assertThat(r.get("connect_time")).isNotBlank();
                assertThat(r.get("link")).isNotBlank();
                assertThat(Double.parseDouble(r.get("xact_age"))).isGreaterThanOrEqualTo(0.04);
            });
            List<Map<String, String>> servers = rows(c, "SHOW SERVERS");
            assertThat(servers).anySatisfy(r -> {
                assertThat(r.get("type")).isEqualTo("S");
                assertThat(r.get("state")).isEqualTo("active");
                assertThat(Integer.parseInt(r.get("remote_pid"))).isPositive();
            });
            app.rollback();
        }
    }

    @Test
    void usersOutsideAdminAndStatsUsersAreRefusedWith28000() {
        assertThatThrownBy(() -> console(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, "extended").close())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));
    }

    @Test
    void statsUsersMayShowButNotControl() throws Exception {
        try (Connection c = console(STATS, STATS_PASSWORD, "extended")) {
            assertThat(rows(c, "SHOW POOLS")).isNotNull();
            assertThatThrownBy(() -> exec(c, "PAUSE"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            assertThat(rows(c, "SHOW STATE").get(0).get("value")).isEqualTo("yes");
        }
    }

    @Test
    void unknownCommandsAndReloadAnswerErrorsAndTheSessionGoesOn() throws Exception {
        try (Connection c = admin()) {
            assertThatThrownBy(() -> exec(c, "SHOW NONSENSE"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42601"));
            assertThatThrownBy(() -> exec(c, "RELOAD")) // this fixture was built from code: no file to re-read
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("F0000"));
            try (Statement st = c.createStatement()) {
                st.execute("SHOW HELP");
                SQLWarning w = st.getWarnings();
                assertThat((Object) w).isNotNull();
                assertThat(w.getMessage()).contains("Console usage");
            }
            assertThat(rows(c, "SHOW LISTS")).extracting(r -> r.get("list")).contains("databases", "pools", "used_servers");
        }
    }

    @Test
    void killClosesTheDatabasesServersInPostgresAndResumeReopens() throws Exception {
        try (Connection app = sluice.connect(); Statement st = app.createStatement(); Connection c = admin()) {
            st.execute("select 1");
            assertThat(sluice.pg().countBackends(PgCluster.SCRAM_USER)).isPositive();
            exec(c, "KILL " + PgCluster.TEST_DB);
            await(Duration.ofSeconds(10), "no backend of the pool left in pg_stat_activity",
                    () -> sluice.pg().countBackends(PgCluster.SCRAM_USER) == 0);
            assertThatThrownBy(() -> st.execute("select 1")).isInstanceOf(SQLException.class);
            assertThat(rows(c, "SHOW DATABASES")).anySatisfy(r -> {
                assertThat(r.get("name")).isEqualTo(PgCluster.TEST_DB);
                assertThat(r.get("paused")).isEqualTo("1");
            });
            exec(c, "RESUME " + PgCluster.TEST_DB);
        }
        try (Connection app = sluice.connect(); Statement st = app.createStatement(); ResultSet rs = st.executeQuery("select 7")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
        }
    }

    private static int backendPid(Connection app) throws SQLException {
        try (Statement st = app.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean pidAlive(int pid) {
        try (Connection a = sluice.pg().adminConnection(); Statement st = a.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where pid = " + pid)) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void reconnectReplacesServersOnceFreeAndWaitCloseWaitsForIt() throws Exception {
        try (Connection app = sluice.connect(); Connection c = admin()) {
            int before = backendPid(app);
            assertThat(pidAlive(before)).isTrue();
            exec(c, "RECONNECT " + PgCluster.TEST_DB);
            await(Duration.ofSeconds(10), "old backend " + before + " gone from pg_stat_activity", () -> !pidAlive(before));
            int after = backendPid(app);
            assertThat(after).isNotEqualTo(before);
            exec(c, "WAIT_CLOSE " + PgCluster.TEST_DB); // returns once the servers it marked are closed
            assertThat(pidAlive(after)).isFalse();
        }
    }

    @Test
    void killClientDisconnectsThatClientOnly() throws Exception {
        Properties p = new Properties();
        p.setProperty("ApplicationName", "doomed");
        try (Connection doomed = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, p);
             Connection other = sluice.connect(); Connection c = admin()) {
            backendPid(doomed);
            String id = rows(c, "SHOW CLIENTS").stream().filter(r -> "doomed".equals(r.get("application_name")))
                    .findFirst().orElseThrow().get("id");
            exec(c, "KILL_CLIENT " + id);
            await(Duration.ofSeconds(10), "killed client is gone from SHOW CLIENTS", () -> {
                try {
                    return rows(c, "SHOW CLIENTS").stream().noneMatch(r -> id.equals(r.get("id")));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThatThrownBy(() -> backendPid(doomed)).isInstanceOf(SQLException.class);
            assertThat(backendPid(other)).isPositive();
            assertThatThrownBy(() -> exec(c, "KILL_CLIENT 12345"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
        }
    }

    @Test
    void pauseHoldsNewTransactionsUntilResume() throws Exception {
        try (Connection app = sluice.connect(); Connection c = admin()) {
            backendPid(app);
            exec(c, "PAUSE " + PgCluster.TEST_DB); // returns once the pool's servers are closed
            assertThat(sluice.pg().countBackends(PgCluster.SCRAM_USER)).isZero();
            CompletableFuture<Integer> held = CompletableFuture.supplyAsync(() -> {
                try {
                    return backendPid(app);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await(Duration.ofSeconds(10), "the client waits in the paused pool", () -> {
                try {
                    return rows(c, "SHOW POOLS").stream().anyMatch(r -> "1".equals(r.get("cl_waiting")));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(held).isNotDone();
            exec(c, "RESUME " + PgCluster.TEST_DB);
            assertThat(held.get(10, TimeUnit.SECONDS)).isPositive();
        }
    }

    /** A new pool's first login needs a server (for the welcome parameters), so the login itself waits. */
    @Test
    void aPoolCreatedWhileItsDatabaseIsPausedWaitsToo() throws Exception {
        try (Connection c = admin()) {
            exec(c, "PAUSE " + PgCluster.TEST_DB);
            CompletableFuture<Integer> held;
            try {
                held = CompletableFuture.supplyAsync(() -> {
                    try (Connection late = sluice.connect(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD, new Properties())) {
                        return backendPid(late);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await(Duration.ofSeconds(10), "the new pool's client waits", () -> {
                    try {
                        return rows(c, "SHOW POOLS").stream().anyMatch(r -> PgCluster.MD5_USER.equals(r.get("user"))
                                && "1".equals(r.get("cl_waiting")));
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(held).isNotDone();
            } finally {
                exec(c, "RESUME " + PgCluster.TEST_DB);
            }
            assertThat(held.get(10, TimeUnit.SECONDS)).isPositive();
        }
    }

    @Test
    void globalSuspendAndResumeShowInState() throws Exception {
        try (Connection c = admin()) {
            exec(c, "SUSPEND");
            assertThat(rows(c, "SHOW STATE")).extracting(r -> r.get("key") + "=" + r.get("value"))
                    .containsExactly("active=no", "paused=no", "suspended=yes");
            assertThatThrownBy(() -> exec(c, "PAUSE"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55000"));
            exec(c, "RESUME");
            assertThat(rows(c, "SHOW STATE").get(0).get("value")).isEqualTo("yes");
        }
    }

    @Test
    void disableRefusesNewLoginsUntilEnable() throws Exception {
        try (Connection c = admin()) {
            exec(c, "DISABLE " + PgCluster.TEST_DB);
            try {
                assertThatThrownBy(() -> sluice.connect().close())
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57P03"));
                assertThat(rows(c, "SHOW DATABASES")).anySatisfy(r -> assertThat(r.get("disabled")).isEqualTo("1"));
            } finally {
                exec(c, "ENABLE " + PgCluster.TEST_DB);
            }
            try (Connection app = sluice.connect()) {
                assertThat(backendPid(app)).isPositive();
            }
            assertThatThrownBy(() -> exec(c, "DISABLE no_such_db_x")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void reloadAppliesTheReReadConfig() throws Exception {
        try (SluiceFixture own = SluiceFixture.start(b -> b.set(Settings.ADMIN_USERS, List.of(ADMIN)))) {
            own.server().proxy().configSource(() -> own.config().with(Settings.DEFAULT_POOL_SIZE, 7));
            Properties p = new Properties();
            p.setProperty("user", ADMIN);
            p.setProperty("password", ADMIN_PASSWORD);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + own.port() + "/pgbouncer", p)) {
                exec(c, "RELOAD");
                assertThat(rows(c, "SHOW CONFIG")).anySatisfy(r -> {
                    assertThat(r.get("key")).isEqualTo("default_pool_size");
                    assertThat(r.get("value")).isEqualTo("7");
                    assertThat(r.get("changeable")).isEqualTo("yes");
                });
                assertThat(rows(c, "SHOW CONFIG")).anySatisfy(r -> {
                    assertThat(r.get("key")).isEqualTo("listen_port");
                    assertThat(r.get("changeable")).isEqualTo("no");
                });
            }
        }
    }

    @Test
    void shutdownWaitForClientsDrainsThenStops() throws Exception {
        try (SluiceFixture own = SluiceFixture.start(b -> b.set(Settings.ADMIN_USERS, List.of(ADMIN))
                .set(Settings.METRICS_LISTEN, "127.0.0.1:0"))) {
            Properties p = new Properties();
            p.setProperty("user", ADMIN);
            p.setProperty("password", ADMIN_PASSWORD);
            Connection app = own.connect();
            app.setAutoCommit(false);
            backendPid(app); // inside a transaction: a draining Sluice lets it finish
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + own.port() + "/sluice", p)) {
                exec(c, "SHUTDOWN WAIT_FOR_CLIENTS");
            }
            String ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + own.server().metrics().address().getPort() + "/ready"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(ready).startsWith("draining");
            assertThat(backendPid(app)).as("the open transaction goes on while draining").isPositive();
            CompletableFuture<Void> closed = own.server().proxy().drain().done();
            assertThat(closed).isNotDone();
            app.commit(); // at its transaction boundary the client is closed, and the drain is done
            closed.get(10, TimeUnit.SECONDS);
            app.close();
            assertThatThrownBy(() -> own.connect().close()).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void shutdownStopsRightAway() throws Exception {
        try (SluiceFixture own = SluiceFixture.start(b -> b.set(Settings.ADMIN_USERS, List.of(ADMIN)))) {
            Properties p = new Properties();
            p.setProperty("user", ADMIN);
            p.setProperty("password", ADMIN_PASSWORD);
            p.setProperty("socketTimeout", "10");
            Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + own.port() + "/pgbouncer", p);
            Connection app = own.connect();
            // as PgBouncer: no reply; the console connection ends with the process
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
                try {
                    exec(c, "SHUTDOWN");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            own.server().proxy().drain().done().get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> backendPid(app)).as("clients were closed at once").isInstanceOf(SQLException.class);
            own.close(); // what Main does once the drain is done
            assertThatThrownBy(() -> shutdown.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
            c.close();
            app.close();
        }
    }

    /** psql sends simple Query messages and prints the header line PgBouncer users script against. */
    @Test
    void psqlReadsEveryShowWithPgbouncersHeaders() throws Exception {
        String psql = onPath("psql");
        Assumptions.assumeTrue(psql != null, "psql is not on PATH");
        try (Connection app = sluice.connect()) {
            backendPid(app); // the database's pool exists: PAUSE/KILL act on existing pools
        }
        List<String> shows = new ArrayList<>();
        PGBOUNCER_COLUMNS.keySet().forEach(k -> shows.add("SHOW " + k + ";"));
        List<String> lines = psql(psql, shows).lines().toList();
        for (Map.Entry<String, String> e : PGBOUNCER_COLUMNS.entrySet()) {
            assertThat(lines).as("psql header of SHOW %s", e.getKey())
                    .anySatisfy(l -> assertThat(l).startsWith(e.getValue().replace(',', '|')));
        }
        List<String> actions = List.of("PAUSE " + PgCluster.TEST_DB, "RESUME " + PgCluster.TEST_DB,
                "RECONNECT " + PgCluster.TEST_DB, "WAIT_CLOSE " + PgCluster.TEST_DB, "SUSPEND", "RESUME",
                "DISABLE " + PgCluster.TEST_DB, "ENABLE " + PgCluster.TEST_DB, "KILL " + PgCluster.TEST_DB,
                "RESUME " + PgCluster.TEST_DB);
        List<String> tags = psql(psql, actions.stream().map(a -> a + ";").toList()).lines().toList();
        assertThat(tags).as("psql command tags").containsExactlyElementsOf(
                actions.stream().map(a -> a.split(" ")[0]).toList());
        assertThat(psql(psql, List.of("SHOW HELP;"))).contains("SHOW HELP|CONFIG|DATABASES");
    }

    /** One psql process running each statement with its own -c (one simple Query each). */
    private static String psql(String psql, List<String> statements) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(psql, "-X", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", String.valueOf(sluice.port()), "-U", ADMIN, "-d", "pgbouncer"));
        for (String sql : statements) {
            cmd.add("-c");
            cmd.add(sql);
        }
        String sql = String.join(" ", statements);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", ADMIN_PASSWORD);
        pb.environment().put("PGSSLMODE", "disable");
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        Path out = Files.createTempFile("sluice-psql", ".out");
        try {
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("psql finished: %s", sql).isTrue();
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("psql %s: %s", sql, text).isZero();
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
