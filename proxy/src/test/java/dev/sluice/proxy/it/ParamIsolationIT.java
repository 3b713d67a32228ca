// Transaction pooling keeps each client's session settings: startup parameters and reported SETs follow the client.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.queryOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthType;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(PgClusterExtension.class)
class ParamIsolationIT {
    private static final String SETTINGS = "select current_setting('TimeZone'), current_setting('search_path'),"
            + " current_setting('statement_timeout'), current_setting('application_name'),"
            + " current_setting('DateStyle'), pg_backend_pid()";

    private static Properties props(String options, String appName) {
        Properties p = new Properties();
        p.setProperty("options", options);
        p.setProperty("ApplicationName", appName);
        return p;
    }

    private static final Properties A = props(
            "-c TimeZone=America/New_York -c search_path=s1,public -c statement_timeout=5000", "sluice-param-a");
    private static final Properties B = props(
            "-c TimeZone=Asia/Tokyo -c search_path=s2,public -c statement_timeout=0", "sluice-param-b");

    /** What the same client sees connected straight to PostgreSQL: the reference for Sluice. */
    private static List<String> direct(PgCluster pg, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PgCluster.SCRAM_USER);
        p.setProperty("password", PgCluster.SCRAM_PASSWORD);
        p.putAll(extra);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(PgCluster.TEST_DB), p);
             Statement st = c.createStatement()) {
            return settings(st);
        }
    }

    /** The five settings (without the pid). */
    private static List<String> settings(Statement st) throws SQLException {
        return settingsAndPid(st).subList(0, 5);
    }

    private static List<String> settingsAndPid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery(SETTINGS)) {
            rs.next();
            return List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                    rs.getString(6));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void startupParametersFollowEachClient(PgCluster pg) throws Exception {
        // TimeZone is left to startupTimeZoneIsApplied and the raw-protocol tests (pgjdbc also sends its own)
        List<String> wantA = direct(pg, A);
        List<String> wantB = direct(pg, B);
        // sanity: the two clients really differ (search_path, statement_timeout, application_name at least)
        assertThat(wantA.get(1)).isNotEqualTo(wantB.get(1));
        assertThat(wantA.get(2)).isNotEqualTo(wantB.get(2));
        assertThat(wantA.get(3)).isNotEqualTo(wantB.get(3));
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             Connection a = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, A);
             Connection b = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, B);
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            String pid = null;
            for (int i = 0; i < 20; i++) {
                List<String> gotA = settingsAndPid(sa);
                assertThat(gotA.subList(1, 5)).as("client A, round %d (direct PostgreSQL: %s)", i, wantA)
                        .isEqualTo(wantA.subList(1, 5));
                List<String> gotB = settingsAndPid(sb);
                assertThat(gotB.subList(1, 5)).as("client B, round %d (direct PostgreSQL: %s)", i, wantB)
                        .isEqualTo(wantB.subList(1, 5));
                // pool_size 1: both always ran on the same server, so the settings really were switched
                assertThat(gotA.get(5)).isEqualTo(gotB.get(5));
                if (pid == null) {
                    pid = gotA.get(5);
                }
                assertThat(gotA.get(5)).isEqualTo(pid);
                // and inside explicit transactions too
                Connection c = i % 2 == 0 ? a : b;
                Statement s = i % 2 == 0 ? sa : sb;
                c.setAutoCommit(false);
                assertThat(settings(s).subList(1, 5)).isEqualTo((i % 2 == 0 ? wantA : wantB).subList(1, 5));
                c.commit();
                c.setAutoCommit(true);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void startupTimeZoneIsApplied(PgCluster pg) throws Exception {
        // pgjdbc always sends the JVM's zone as the TimeZone startup parameter; whether -c TimeZone in options
        // or that parameter wins is PostgreSQL's business: Sluice must match what PostgreSQL does directly.
        List<String> wantA = direct(pg, A);
        List<String> wantB = direct(pg, B);
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             Connection a = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, A);
             Statement sa = a.createStatement()) {
            assertThat(settings(sa).get(0)).isEqualTo(wantA.get(0));
            try (Connection b = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, B);
                 Statement sb = b.createStatement()) {
                assertThat(settings(sb).get(0)).isEqualTo(wantB.get(0));
            }
            assertThat(settings(sa).get(0)).isEqualTo(wantA.get(0));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sqlSetOfReportedParameterSticksToTheClient(PgCluster pg) throws Exception {
        Properties pa = new Properties();
        pa.setProperty("ApplicationName", "sluice-set-a");
        Properties pb = new Properties();
        pb.setProperty("ApplicationName", "sluice-set-b");
        List<String> wantB = direct(pg, pb);
        assertThat(wantB.get(0)).isNotEqualTo("Asia/Kolkata");
        try (SluiceFixture sluice = SluiceFixture.start(PoolMode.TRANSACTION, 1);
             Connection a = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, pa);
             Connection b = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, pb);
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            sa.execute("SET TimeZone = 'Asia/Kolkata'");
            sa.execute("SET DateStyle = 'ISO, DMY'");
            for (int i = 0; i < 10; i++) {
                List<String> gotB = settings(sb);
                assertThat(gotB).as("client B round %d must not see A's SETs", i).isEqualTo(wantB);
                List<String> gotA = settings(sa);
                assertThat(gotA.get(0)).as("A's TimeZone round %d", i).isEqualTo("Asia/Kolkata");
                assertThat(gotA.get(4)).as("A's DateStyle round %d", i).isEqualTo("ISO, DMY");
                a.setAutoCommit(false);
                try (ResultSet rs = sa.executeQuery(
                        "select to_char(timestamptz '2024-01-02 03:04:05+00', 'HH24:MI'), '2024-03-04'::date::text")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("08:34");
                    assertThat(rs.getString(2)).isEqualTo("2024-03-04");
                }
                a.commit();
                a.setAutoCommit(true);
            }
        }
    }

    // ------------------------------------------------------------------ raw protocol: TimeZone as a startup parameter

    /** Logs in with extra startup parameters; the fixture uses auth_type trust so no password exchange is needed. */
    private static PgWireClient wire(SluiceFixture sluice, Map<String, String> extra) {
        PgWireClient w = PgWireClient.connect("127.0.0.1", sluice.port());
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", PgCluster.SCRAM_USER);
        params.put("database", PgCluster.TEST_DB);
        params.putAll(extra);
        w.sendStartup(params);
        List<Message> ms = w.readUntilReady();
        assertThat(ms.get(0).type()).as("login reply %s", ms).isEqualTo('R');
        assertThat(ms.get(0).authCode()).isZero();
        for (Message m : ms) {
            assertThat(m.type()).as("login reply").isNotEqualTo('E');
        }
        return w;
    }

    private static String one(PgWireClient w, String sql) {
        return w.simpleQuery(sql).get(0).get(0);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void startupTimeZonesAlternateOnOneServer() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 1).set(Settings.AUTH_TYPE, AuthType.TRUST));
             PgWireClient a = wire(sluice, Map.of("TimeZone", "America/New_York", "application_name", "wa",
                     "DateStyle", "ISO, DMY"));
             PgWireClient b = wire(sluice, Map.of("TimeZone", "Asia/Tokyo", "application_name", "wb"))) {
            for (int i = 0; i < 20; i++) {
                assertThat(w3(a)).as("a round %d", i).containsExactly("America/New_York", "wa", "ISO, DMY");
                assertThat(w3(b)).as("b round %d", i).containsExactly("Asia/Tokyo", "wb", "ISO, MDY");
            }
            assertThat(one(a, "select pg_backend_pid()")).isEqualTo(one(b, "select pg_backend_pid()"));
        }
    }

    /** application_name_add_host: PgBouncer's "name - host:port", on whichever server runs the client's work. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void applicationNameAddHostAppendsTheClientAddress() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 1).set(Settings.AUTH_TYPE, AuthType.TRUST)
                .set(Settings.APPLICATION_NAME_ADD_HOST, true));
             PgWireClient a = wire(sluice, Map.of("application_name", "wa"));
             PgWireClient b = wire(sluice, Map.of())) {
            String aName = "wa - 127.0.0.1:" + a.socket().getLocalPort();
            String bName = " - 127.0.0.1:" + b.socket().getLocalPort();
            for (int i = 0; i < 3; i++) {
                assertThat(one(a, "select current_setting('application_name')")).isEqualTo(aName);
                assertThat(one(b, "select application_name from pg_stat_activity where pid = pg_backend_pid()"))
                        .isEqualTo(bName);
            }
        }
    }

    private static List<String> w3(PgWireClient w) {
        return w.simpleQuery("select current_setting('TimeZone'), current_setting('application_name'),"
                + " current_setting('DateStyle')").get(0);
    }

    /**
     * pool_size 1: every transaction of a runs on the server b used just before (with b's Asia/Tokyo applied);
     * pool_size 2: b holds a transaction open, so a also lands on another (possibly brand-new) server.
     */
    @ParameterizedTest(name = "pool_size {0}")
    @ValueSource(ints = {1, 2})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sqlSetTimeZoneUtcFollowsTheClientAcrossServers(int poolSize) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, poolSize).set(Settings.AUTH_TYPE, AuthType.TRUST));
             PgWireClient a = wire(sluice, Map.of("TimeZone", "America/New_York"));
             PgWireClient b = wire(sluice, Map.of("TimeZone", "Asia/Tokyo"))) {
            assertThat(one(a, "select current_setting('TimeZone')")).isEqualTo("America/New_York");
            List<Message> set = queryOk(a, "SET TimeZone = 'UTC'");
            assertThat(set.stream().filter(m -> m.type() == 'S')).as("ParameterStatus for the SET").hasSize(1);
            for (int i = 0; i < 10; i++) {
                boolean hold = poolSize > 1 && i % 2 == 0;
                if (hold) {
                    queryOk(b, "BEGIN");
                }
                List<String> rb = b.simpleQuery("select current_setting('TimeZone'), pg_backend_pid()").get(0);
                assertThat(rb.get(0)).as("b round %d", i).isEqualTo("Asia/Tokyo");
                queryOk(a, "BEGIN");
                List<String> ra = a.simpleQuery("select current_setting('TimeZone'), pg_backend_pid()").get(0);
                assertThat(ra.get(0)).as("a round %d", i).isEqualTo("UTC");
                assertThat(one(a, "select to_char(timestamptz '2024-01-02 03:04:05+00', 'HH24:MI')"))
                        .isEqualTo("03:04");
                queryOk(a, "COMMIT");
                if (hold) {
                    assertThat(ra.get(1)).as("a cannot share b's open transaction").isNotEqualTo(rb.get(1));
                    queryOk(b, "COMMIT");
                } else if (poolSize == 1) {
                    assertThat(ra.get(1)).as("one server only").isEqualTo(rb.get(1));
                }
            }
        }
    }
}
