// TLS between Sluice and PostgreSQL: sslmodes against a TLS-enabled private cluster, CA checks, SCRAM with binding.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.AuthType;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TlsMode;
import ch.qos.logback.classic.Level;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.TestCerts;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

class ServerTlsIT {
    private static TestCerts certs;
    private static PgCluster tlsPg;

    @BeforeAll
    static void startTlsCluster() {
        PgCluster.assumeControllable();
        certs = TestCerts.create();
        tlsPg = PgCluster.startTls(certs.file("server.crt"), certs.file("server.key"), certs.file("ca.crt"));
    }

    @AfterAll
    static void stopTlsCluster() {
        if (tlsPg != null) {
            tlsPg.destroyNow();
        }
        if (certs != null) {
            certs.close();
        }
    }

    /** Sluice routing the test database to {@code pg}, with server-side TLS set by {@code tls}. */
    private static SluiceFixture sluice(PgCluster pg, UnaryOperator<SluiceConfig.Builder> tls)
            throws InterruptedException {
        return SluiceFixture.start(b -> tls.apply(b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 2)
                .set(Settings.SERVER_LOGIN_RETRY, Duration.ZERO)
                .database(DatabaseConfig.of(PgCluster.TEST_DB, pg.host(), pg.port(), PgCluster.TEST_DB, null, null))));
    }

    /** Whether the server connection behind {@code c} runs TLS, as PostgreSQL sees it. */
    private static boolean backendUsesTls(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void verifyFullWithTheRightCaLogsInOverTlsWithScram() throws Exception {
        try (LogCapture log = LogCapture.start("dev.sluice.proxy.server", Level.DEBUG);
             SluiceFixture s = sluice(tlsPg, b -> b.set(Settings.SERVER_TLS_SSLMODE, TlsMode.VERIFY_FULL)
                .set(Settings.SERVER_TLS_CA_FILE, certs.path("ca.crt")));
             Connection c = s.connect()) {
            // sluice_scram may only log in with SCRAM over TLS there (hostssl): PostgreSQL offers -PLUS, and a
            // wrong tls-server-end-point hash would fail this login
            assertThat(backendUsesTls(c)).isTrue();
            assertThat(log.lines()).anyMatch(l -> l.contains("SCRAM login of user \"" + PgCluster.SCRAM_USER + "\"")
                    && l.endsWith("with SCRAM-SHA-256-PLUS"));
        }
    }

    @Test
    void verifyCaWithAnotherCaFailsTheLoginWithTheReason() throws Exception {
        try (SluiceFixture s = sluice(tlsPg, b -> b.set(Settings.SERVER_TLS_SSLMODE, TlsMode.VERIFY_CA)
                .set(Settings.SERVER_TLS_CA_FILE, certs.path("other-ca.crt")))) {
            assertThatThrownBy(s::connect).isInstanceOfSatisfying(PSQLException.class, e -> {
                assertThat(e.getSQLState()).startsWith("08");
                assertThat(e.getMessage()).contains("TLS with backend", "server_tls_sslmode = verify-ca");
            });
        }
    }

    @Test
    void cancelReachesABackendBehindTls() throws Exception {
        java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (SluiceFixture s = sluice(tlsPg, b -> b.set(Settings.SERVER_TLS_SSLMODE, TlsMode.VERIFY_FULL)
                .set(Settings.SERVER_TLS_CA_FILE, certs.path("ca.crt")));
             Connection c = s.connect(); Statement st = c.createStatement()) {
            java.util.concurrent.Future<String> q = exec.submit(() -> {
                try {
                    st.execute("select pg_sleep(30) /* cancel-over-tls */");
                    return "ok";
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!running(tlsPg, "cancel-over-tls")) {
                assertThat(System.nanoTime()).as("the query never started").isLessThan(deadline);
                Thread.sleep(20);
            }
            st.cancel(); // Sluice sends the backend key over a new connection that asks for TLS first
            assertThat(q.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("57014");
        } finally {
            exec.shutdownNow();
        }
    }

    private static boolean running(PgCluster pg, String marker) throws SQLException {
        try (Connection admin = pg.adminConnection(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where state = 'active'"
                     + " and query like '%" + marker + "%' and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    @Test
    void requireAgainstAServerWithoutTlsFails() throws Exception {
        try (SluiceFixture s = sluice(PgCluster.get(), b -> b.set(Settings.SERVER_TLS_SSLMODE, TlsMode.REQUIRE))) {
            assertThatThrownBy(s::connect).isInstanceOf(PSQLException.class)
                    .hasMessageContaining("does not accept TLS, but server_tls_sslmode = require");
        }
    }

    @Test
    void preferUsesTlsWhenOfferedAndDisableDoesNot() throws Exception {
        try (SluiceFixture s = sluice(tlsPg, b -> b.set(Settings.AUTH_TYPE, AuthType.TRUST));
             Connection c = s.connect(PgCluster.TRUST_USER, null, new Properties())) {
            assertThat(backendUsesTls(c)).isTrue(); // server_tls_sslmode defaults to prefer
        }
        try (SluiceFixture s = sluice(tlsPg, b -> b.set(Settings.SERVER_TLS_SSLMODE, TlsMode.DISABLE)
                .set(Settings.AUTH_TYPE, AuthType.TRUST));
             Connection c = s.connect(PgCluster.TRUST_USER, null, new Properties())) {
            assertThat(backendUsesTls(c)).isFalse();
        }
    }
}
