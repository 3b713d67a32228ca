// Loads small pgbouncer.ini fixtures written to a temp dir and checks values, warnings and errors.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IniLoaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void loadsEverySection() throws Exception {
        write("userlist.txt", "\"alice\" \"secret\"");
        Path ini = write("pgbouncer.ini",
                "; comment",
                "# another comment",
                "[databases]",
                "app = host=10.0.0.5 port=6000 dbname=app_prod user=u password='p w' pool_size=7 pool_mode=session",
                "* = host=db.internal",
                "",
                "[users]",
                "reporting = pool_mode=session pool_size=5 max_user_connections=9",
                "",
                "[pgbouncer]",
                "Listen_Port = 7000",
                "listen_addr = *",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "default_pool_size = 30",
                "query_wait_timeout = 2.5",
                "server_lifetime = 1h",
                "admin_users = admin, ops",
                "server_reset_query =",
                "tcp_keepalive = off",
                "",
                "[peers]",
                "1 = host=10.0.0.9");
        SluiceConfig c = IniLoader.load(ini);

        assertThat(c.sourceFile()).isEqualTo(ini);
        assertThat(c.databases()).containsOnlyKeys("app", "*");
        DatabaseConfig app = c.databases().get("app");
        assertThat(app.host()).isEqualTo("10.0.0.5");
        assertThat(app.port()).isEqualTo(6000);
        assertThat(app.dbname()).isEqualTo("app_prod");
        assertThat(app.password()).isEqualTo("p w");
        assertThat(app.poolSize()).isEqualTo(7);
        assertThat(app.poolMode()).isEqualTo(PoolMode.SESSION);
        assertThat(c.database("other")).isSameAs(c.databases().get("*"));
        assertThat(c.databases().get("*").dbname()).isNull();
        assertThat(c.users().get("reporting")).isEqualTo(new UserConfig("reporting", PoolMode.SESSION, 5, 9));

        assertThat(c.listenPort()).isEqualTo(7000);
        assertThat(c.listenAddr()).isEqualTo("*");
        assertThat(c.authType()).isEqualTo(AuthType.SCRAM_SHA_256);
        assertThat(c.authFile()).isEqualTo(dir.resolve("userlist.txt").toAbsolutePath());
        assertThat(c.userlist().secret("alice")).isEqualTo("secret");
        assertThat(c.defaultPoolSize()).isEqualTo(30);
        assertThat(c.queryWaitTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.serverLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(c.adminUsers()).containsExactly("admin", "ops");
        assertThat(c.serverResetQuery()).isEmpty();
        assertThat(c.tcpKeepalive()).isFalse();
        assertThat(c.poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void sluiceSectionIsAnAliasAndIncludesAreRelativeToTheIncludingFile() throws Exception {
        write("conf.d/pools.ini", "[databases]", "app = dbname=x", "[sluice]", "default_pool_size = 3");
        Path ini = write("main.ini", "[sluice]", "listen_port = 7001", "%include conf.d/pools.ini", "max_client_conn = 50");
        SluiceConfig c = IniLoader.load(ini);
        assertThat(c.databases().get("app").dbname()).isEqualTo("x");
        assertThat(c.defaultPoolSize()).isEqualTo(3);
        // Includes are textual: the [sluice] section opened in the included file is still open here.
        assertThat(c.maxClientConn()).isEqualTo(50);
        assertThat(c.listenPort()).isEqualTo(7001);
    }

    @Test
    void includeCycleIsAnError() throws Exception {
        write("b.ini", "%include a.ini");
        Path a = write("a.ini", "[pgbouncer]", "%include b.ini");
        assertThatThrownBy(() -> IniLoader.load(a))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("b.ini:1: %include cycle: a.ini -> b.ini -> a.ini");
    }

    @Test
    void missingIncludeNamesTheIncludingLine() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "%include nope.ini");
        assertThatThrownBy(() -> IniLoader.load(ini))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pgbouncer.ini:2: %include cannot read")
                .hasMessageEndingWith("nope.ini: no such file");
    }

    @Test
    void unknownSettingWarnsWithSuggestion() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "defualt_pool_size = 5", "zzz_totally_new = 1");
        SluiceConfig c = IniLoader.load(ini);
        assertThat(c.warnings()).containsExactly(
                "unknown setting 'defualt_pool_size' (" + ini + ":2); did you mean 'default_pool_size'?",
                "unknown setting 'zzz_totally_new' (" + ini + ":3)",
                "auth_type md5 but the userlist is empty (set auth_file); no client can log in");
        assertThat(c.defaultPoolSize()).isEqualTo(20);
    }

    @Test
    void tlsSettingsLoadWithFilesRelativeToTheIni() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "auth_type = cert", "client_tls_sslmode = verify-full",
                "client_tls_cert_file = certs/server.crt", "client_tls_key_file = /abs/server.key",
                "server_tls_sslmode = verify-ca", "client_tls_protocols = tlsv1.3");
        SluiceConfig c = IniLoader.load(ini);
        assertThat(c.authType()).isEqualTo(AuthType.CERT);
        assertThat(c.clientTlsSslmode()).isEqualTo(TlsMode.VERIFY_FULL);
        assertThat(c.get(Settings.CLIENT_TLS_CERT_FILE)).isEqualTo(ini.getParent().resolve("certs/server.crt").toString());
        assertThat(c.get(Settings.CLIENT_TLS_KEY_FILE)).isEqualTo("/abs/server.key");
        assertThat(c.serverTlsSslmode()).isEqualTo(TlsMode.VERIFY_CA);
        assertThat(c.get(Settings.CLIENT_TLS_PROTOCOLS)).isEqualTo("tlsv1.3");
        assertThat(SluiceConfig.builder().build().serverTlsSslmode()).isEqualTo(TlsMode.PREFER);
        assertThatThrownBy(() -> IniLoader.load(write("bad.ini", "[pgbouncer]", "server_tls_sslmode = strict")))
                .hasMessageContaining("expected one of disable, allow, prefer, require, verify-ca, verify-full");
    }

    @Test
    void pgbouncerOnlySettingsWarnButLoad() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "auth_type = trust", "logfile = /var/log/pgbouncer.log",
                "unix_socket_dir = /tmp", "client_tls_ecdhcurve = auto", "[odd]", "x = 1");
        assertThat(IniLoader.load(ini).warnings()).containsExactly(
                "setting logfile is accepted but not implemented by Sluice; ignored (" + ini + ":3)",
                "setting unix_socket_dir is accepted but not implemented by Sluice; ignored (" + ini + ":4)",
                "setting client_tls_ecdhcurve is accepted but not implemented by Sluice; ignored (" + ini + ":5)",
                "unknown section [odd] (" + ini + ":7); ignored");
    }

    @Test
    void badValuesNameFileLineKeyValueAndRange() throws Exception {
        assertError(List.of("[pgbouncer]", "", "default_pool_size = abc"), "default_pool_size",
                "pgbouncer.ini:3: default_pool_size = 'abc': expected an integer in 1..100000");
        assertError(List.of("[pgbouncer]", "listen_port = 70000"), "listen_port",
                "pgbouncer.ini:2: listen_port = '70000': expected an integer in 0..65535");
        assertError(List.of("[pgbouncer]", "pool_mode = sessions"), "pool_mode",
                "pgbouncer.ini:2: pool_mode = 'sessions': expected one of session, transaction, statement");
        assertError(List.of("[pgbouncer]", "auth_type = pam"), "auth_type",
                "pgbouncer.ini:2: auth_type = 'pam': auth_type pam is not supported by Sluice yet");
        assertError(List.of("[pgbouncer]", "query_timeout = -1"), "query_timeout",
                "pgbouncer.ini:2: query_timeout = '-1': expected a duration in seconds");
        assertError(List.of("[pgbouncer]", "log_connections = maybe"), "log_connections",
                "pgbouncer.ini:2: log_connections = 'maybe': expected a boolean (1/0, true/false, yes/no, on/off)");
    }

    @Test
    void syntaxErrors() throws Exception {
        assertError(List.of("listen_port = 1"), "listen_port",
                "pgbouncer.ini:1: listen_port is outside of any section; put it under [pgbouncer]");
        assertError(List.of("[pgbouncer]", "just words"), null, "pgbouncer.ini:2: expected 'key = value'");
        assertError(List.of("[pgbouncer"), null, "pgbouncer.ini:1: malformed section header; expected [name]");
    }

    @Test
    void databaseLineErrorsNameTheKeyButNotThePassword() throws Exception {
        assertError(List.of("[databases]", "app = hots=x"), "hots",
                "pgbouncer.ini:2: database 'app': unknown key 'hots'; did you mean 'host'?");
        assertError(List.of("[databases]", "app = host=x pool_size=big"), "pool_size",
                "pgbouncer.ini:2: database 'app': pool_size = 'big': expected an integer in 1..100000");
        ConfigException e = assertError(List.of("[databases]", "app = password='hunter2"), null,
                "pgbouncer.ini:2: database 'app': unterminated quote in the value of 'password'");
        assertThat(e.getMessage()).doesNotContain("hunter2");
        e = assertError(List.of("[databases]", "app = password=hunter 2secret"), null,
                "found a word without '=' after 'password'");
        assertThat(e.getMessage()).doesNotContain("2secret");
        assertError(List.of("[users]", "bob = pool_size=0"), "pool_size",
                "pgbouncer.ini:2: user 'bob': pool_size = '0': expected an integer in 1..100000");
    }

    @Test
    void knownPgbouncerDatabaseKeysWarn() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "auth_type = any", "[databases]",
                "app = host=x auth_dbname=postgres", "app = host=y");
        SluiceConfig c = IniLoader.load(ini);
        assertThat(c.databases().get("app").host()).isEqualTo("y");
        assertThat(c.warnings()).containsExactly(
                "database key auth_dbname is accepted but not implemented by Sluice; ignored (" + ini + ":4)",
                "database 'app' is defined again at " + ini + ":5 (first at " + ini + ":4); the later entry wins");
    }

    @Test
    void authFileProblemsPointAtTheRightLine() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "auth_file = missing.txt");
        ConfigException e = assertThrows(ini);
        assertThat(e.getMessage()).startsWith(ini + ":2: cannot read auth file ").endsWith("missing.txt: no such file");
        assertThat(e.key()).isEqualTo("auth_file");

        Path users = write("users.txt", "\"ok\" \"x\"", "bad line");
        ini = write("pgbouncer.ini", "[pgbouncer]", "auth_file = users.txt");
        e = assertThrows(ini);
        assertThat(e.file()).isEqualTo(users.toAbsolutePath());
        assertThat(e.line()).isEqualTo(2);
    }

    @Test
    void sanityWarnings() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]", "auth_type = trust", "min_pool_size = 9",
                "default_pool_size = 4");
        assertThat(IniLoader.load(ini).warnings())
                .containsExactly("min_pool_size (9) is larger than default_pool_size (4); check both values");
    }

    @Test
    void missingFile() {
        Path ini = dir.resolve("none.ini");
        assertThatThrownBy(() -> IniLoader.load(ini)).isInstanceOf(ConfigException.class)
                .hasMessage("cannot read " + ini + ": no such file");
    }

    @Test
    void byteOrderMarkIsIgnored() throws Exception {
        Path ini = write("bom.ini", "\uFEFF[pgbouncer]", "listen_port = 7002");
        assertThat(IniLoader.load(ini).listenPort()).isEqualTo(7002);
    }

    private ConfigException assertThrows(Path ini) {
        try {
            IniLoader.load(ini);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException");
    }

    private ConfigException assertError(List<String> lines, String key, String message) throws IOException {
        Path ini = write("pgbouncer.ini", lines.toArray(String[]::new));
        ConfigException e = assertThrows(ini);
        assertThat(e.getMessage()).contains(message);
        assertThat(e.file()).isEqualTo(ini);
        assertThat(e.line()).isPositive();
        assertThat(e.key()).isEqualTo(key);
        return e;
    }
}
