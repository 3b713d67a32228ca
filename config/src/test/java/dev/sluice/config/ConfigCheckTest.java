// Collecting every problem of a file (sluice check), refusing surprising settings, and diffing configs for reload.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckTest {
    @TempDir
    Path dir;

    private Path write(String... lines) throws Exception {
        Path file = dir.resolve("pgbouncer.ini");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void checkListsEveryProblemNotJustTheFirst() throws Exception {
        Path ini = write("[databases]", "app = host=/var/run/postgresql,db2 port=5433", "b = host=a,,b", "[pgbouncer]",
                "default_pool_size = 0", "listen_port = x", "server_tls_sslmode = strict", "pool_mode = tx",
                "defualt_pool_size = 3");
        IniLoader.Checked c = IniLoader.check(ini);
        assertThat(c.valid()).isFalse();
        assertThat(c.config()).isNull();
        // line 2 (a unix socket directory beside a TCP host, as libpq and PgBouncer accept it) is no problem
        assertThat(c.problems()).extracting(ConfigException::line).containsExactly(3, 5, 6, 7, 8);
        assertThat(c.problems()).extracting(Throwable::getMessage).containsExactly(
                ini + ":3: database 'b': host = 'a,,b' has an empty entry in its list",
                ini + ":5: default_pool_size = '0': expected an integer in 1..100000",
                ini + ":6: listen_port = 'x': expected an integer in 0..65535",
                ini + ":7: server_tls_sslmode = 'strict': expected one of disable, allow, prefer, require, verify-ca,"
                        + " verify-full",
                ini + ":8: pool_mode = 'tx': expected one of session, transaction, statement");
        assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("did you mean 'default_pool_size'?"));
    }

    @Test
    void checkOfAGoodFileGivesTheConfig() throws Exception {
        IniLoader.Checked c = IniLoader.check(write("[pgbouncer]", "auth_type = trust", "server_lifetime = 1h"));
        assertThat(c.valid()).isTrue();
        assertThat(c.config().serverLifetime()).hasHours(1);
    }

    @Test
    void refusedUnlessHarmless() throws Exception {
        assertThat(IniLoader.load(write("[pgbouncer]", "auth_type = trust", "server_round_robin = 0",
                "max_db_client_connections = 0")).warnings()).hasSize(2);
        assertThatThrownBy(() -> IniLoader.load(write("[pgbouncer]", "auth_ident_file = ident.conf")))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith(":2: auth_ident_file = 'ident.conf' is not implemented by Sluice, and ignoring it"
                        + " would change behaviour the file relies on; remove it or use an empty value");
        assertThatThrownBy(() -> IniLoader.load(write("[pgbouncer]", "max_db_client_connections = 30")))
                .hasMessageContaining("max_db_client_connections = '30' is not implemented");
        // a refusal only makes sense for a setting Sluice does not read: one that gets implemented must leave the list
        assertThat(Settings.refusedNames()).allSatisfy(n -> assertThat(Settings.isNotImplemented(n)).as(n).isTrue());
    }

    @Test
    void authQuerySettingsAreRead() throws Exception {
        SluiceConfig c = IniLoader.load(write("[pgbouncer]", "auth_type = scram-sha-256", "auth_user = pgb",
                "auth_dbname = postgres", "auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1"));
        assertThat(c.get(Settings.AUTH_USER)).isEqualTo("pgb");
        assertThat(c.get(Settings.AUTH_DBNAME)).isEqualTo("postgres");
        assertThat(c.get(Settings.AUTH_QUERY)).isEqualTo("SELECT usename, passwd FROM pg_shadow WHERE usename=$1");
        assertThat(SluiceConfig.builder().build().get(Settings.AUTH_QUERY))
                .contains("rolvaliduntil < now()").contains("rolname=$1 AND rolcanlogin");
    }

    @Test
    void diffSaysWhatChangedAndWhatNeedsARestart() throws Exception {
        SluiceConfig a = SluiceConfig.builder().database(DatabaseConfig.parse("app", "host=x"))
                .database(DatabaseConfig.parse("gone", "host=x")).userlist(Userlist.of(Map.of("u", "p1", "v", "p")))
                .build();
        SluiceConfig b = a.toBuilder().set(Settings.DEFAULT_POOL_SIZE, 5).set(Settings.LISTEN_PORT, 7000)
                .database(DatabaseConfig.parse("app", "host=y password=secretpw")).database(DatabaseConfig.parse("new", ""))
                .userlist(Userlist.of(Map.of("u", "p2", "w", "p"))).build();
        b = SluiceConfig.builder().set(Settings.DEFAULT_POOL_SIZE, 5).set(Settings.LISTEN_PORT, 7000)
                .database(b.databases().get("app")).database(b.databases().get("new")).userlist(b.userlist()).build();
        ConfigDiff d = ConfigDiff.between(a, b);
        assertThat(d.applied()).containsExactlyInAnyOrder("default_pool_size: '20' -> '5'", "database 'app' changed",
                "database 'new' added", "database 'gone' removed", "auth_file: secret of user 'u' changed",
                "auth_file: user 'v' removed", "auth_file: user 'w' added");
        assertThat(d.restartNeeded()).containsExactly("listen_port: '6432' -> '7000'");
        assertThat(d.toString()).doesNotContain("secretpw").doesNotContain("p2");
        assertThat(ConfigDiff.between(a, a).isEmpty()).isTrue();
        assertThat(ConfigDiff.between(a, a).toString()).isEqualTo("no changes");
    }
}
