// A production-style pgbouncer.ini (test resource) loads with every key understood; malformed files each get their own message.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PgbouncerIniTest {
    private static final Path INI = Path.of("src", "test", "resources", "pgbouncer", "pgbouncer.ini");

    @TempDir
    Path dir;

    @Test
    void productionStyleFileLoads() throws Exception {
        SluiceConfig c = IniLoader.load(INI);
        assertThat(c.databases()).containsOnlyKeys("app", "reports", "billing db", "legacy-app.v2", "sock", "mixed", "*",
                "local");

        DatabaseConfig reports = c.databases().get("reports");
        assertThat(reports.host()).isEqualTo("replica.internal");
        assertThat(reports.user()).isEqualTo("reporter");
        assertThat(reports.password()).isEqualTo("s3cr3t pass");
        assertThat(reports.poolSize()).isEqualTo(5);
        assertThat(reports.minPoolSize()).isEqualTo(1);
        assertThat(reports.reservePool()).isEqualTo(2);
        assertThat(reports.poolMode()).isEqualTo(PoolMode.SESSION);
        assertThat(reports.maxDbConnections()).isEqualTo(12);
        assertThat(reports.connectQuery()).isEqualTo("SET default_transaction_read_only = on");
        assertThat(reports.authUser()).isEqualTo("pgbouncer_auth");
        assertThat(reports.startupParameters()).containsExactly(Map.entry("client_encoding", "UTF8"),
                Map.entry("DateStyle", "ISO, MDY"), Map.entry("TimeZone", "UTC"),
                Map.entry("application_name", "reports"));
        assertThat(c.databases().get("billing db").dbname()).isEqualTo("billing");
        assertThat(c.databases().get("legacy-app.v2").dbname()).isEqualTo("legacy");
        assertThat(c.databases().get("legacy-app.v2").host()).isEqualTo("10.0.0.8,10.0.0.9");
        assertThat(c.database("anything_else")).isSameAs(c.databases().get("*"));
        assertThat(c.databases().get("local").port()).isEqualTo(5432);
        assertThat(c.databases().get("sock").host()).isEqualTo("/var/run/postgresql");
        assertThat(c.databases().get("sock").port()).isEqualTo(5432);
        assertThat(c.databases().get("mixed").host()).isEqualTo("/var/run/postgresql,10.0.0.5");

        assertThat(c.users().get("reporter")).isEqualTo(new UserConfig("reporter", PoolMode.SESSION, 3, 4));
        assertThat(c.users().get("etl@batch").poolSize()).isEqualTo(1);

        assertThat(c.listenAddr()).isEqualTo("*");
        assertThat(c.authType()).isEqualTo(AuthType.SCRAM_SHA_256);
        assertThat(c.get(Settings.AUTH_USER)).isEqualTo("pgbouncer_auth");
        assertThat(c.get(Settings.AUTH_DBNAME)).isEqualTo("postgres");
        assertThat(c.adminUsers()).containsExactly("admin", "ops");
        assertThat(c.maxClientConn()).as("0x1000, read as C's strtol does").isEqualTo(4096);
        assertThat(c.reservePoolTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.serverLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(c.serverIdleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.queryWaitTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.idleTransactionTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.serverConnectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.tcpUserTimeout()).as("bare tcp_user_timeout is milliseconds").isEqualTo(Duration.ofSeconds(10));
        assertThat(c.ignoreStartupParameters()).containsExactly("extra_float_digits", "search_path");
        assertThat(c.logConnections()).as("set in the included file").isFalse();
        assertThat(c.serverTlsSslmode()).isEqualTo(TlsMode.PREFER);

        assertThat(c.userlist().users()).containsExactly("admin", "reporter", "pgbouncer_auth");
        assertThat(c.userlist().secret("pgbouncer_auth")).isEqualTo("plain \"quoted\" secret");
        assertThat(c.warnings()).containsExactly(
                "setting logfile is accepted but not implemented by Sluice; ignored (" + INI + ":58)",
                "setting pidfile is accepted but not implemented by Sluice; ignored (" + INI + ":59)");
        assertThat(c.statsPeriod()).as("implemented since issue #6").isEqualTo(Duration.ofSeconds(60));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("[pgbouncer\n", ":1: malformed section header; expected [name]"),
                Arguments.of("[pgbouncer] listen_port = 1\n", ":1: unexpected text after section header [pgbouncer];"
                        + " put it on its own line"),
                Arguments.of("[databases]\nmy db = host=x\n", ":2: key 'my db' may only contain letters, digits and"
                        + " _.-* unless it is single-quoted ('my db' = ...)"),
                Arguments.of("[databases]\n'my db = host=x\n", ":2: unterminated quote in key; expected 'name' = value"),
                Arguments.of("[databases]\n'' = host=x\n", ":2: empty quoted key; expected 'name' = value"),
                Arguments.of("[pgbouncer]\nlisten_port\n", ":2: expected 'key = value'"),
                Arguments.of("listen_port = 1\n", ":1: listen_port is outside of any section; put it under [pgbouncer]"),
                Arguments.of("[pgbouncer]\ndefault_pool_size = 20 ; per pool\n", ":2: default_pool_size = '20 ; per"
                        + " pool' (a comment must be on its own line: the rest of the line is the value, as in"
                        + " PgBouncer): expected an integer in 1..100000"),
                Arguments.of("[pgbouncer]\nmax_client_conn = 08\n", ":2: max_client_conn = '08': expected an integer in"
                        + " 1..1000000"),
                Arguments.of("[pgbouncer]\nserver_lifetime = 1 hour\n", ":2: server_lifetime = '1 hour': expected a"
                        + " duration in seconds (e.g. 30 or 0.5), or with a unit: ms, s, min, h, d (e.g. 500ms, 1h)"),
                Arguments.of("[pgbouncer]\nauth_type = pam\n", ":2: auth_type = 'pam': auth_type pam is not supported"),
                Arguments.of("[pgbouncer]\nmax_user_client_connections = 60\n", ":2: max_user_client_connections ="
                        + " '60' is not implemented by Sluice"),
                Arguments.of("[databases]\napp = host=a,b load_balance_hosts=disable\n", ":2: database 'app':"
                        + " load_balance_hosts = 'disable' is not implemented; Sluice spreads new server connections"
                        + " over the host list round-robin"),
                Arguments.of("[databases]\napp = port=99999\n", ":2: database 'app': port = '99999': expected an integer"
                        + " in 1..65535"),
                Arguments.of("[users]\nbob = pool_mode=sessions\n", ":2: user 'bob': pool_mode = 'sessions': expected one"
                        + " of session, transaction, statement"),
                Arguments.of("[users]\nbob = max_user_connections=-1\n", ":2: user 'bob': max_user_connections = '-1':"
                        + " expected an integer in 0..1000000"),
                Arguments.of("[pgbouncer]\n%include\n", ":2: %include needs a file name"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedFileGivesItsOwnMessage(String content, String message) throws Exception {
        Path ini = dir.resolve("bad.ini");
        Files.writeString(ini, content);
        assertThatThrownBy(() -> IniLoader.load(ini)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(ini + message.substring(0, message.indexOf(':', 1)))
                .hasMessageContaining(message);
    }

    @Test
    void includesNestAtMostTenLevels() throws Exception {
        for (int i = 0; i < 12; i++) {
            Files.writeString(dir.resolve("level" + i + ".ini"), "%include level" + (i + 1) + ".ini\n");
        }
        Files.writeString(dir.resolve("level12.ini"), "[pgbouncer]\n");
        assertThatThrownBy(() -> IniLoader.load(dir.resolve("level0.ini")))
                .hasMessageContaining("%include nested more than 10 levels deep");
    }
}
