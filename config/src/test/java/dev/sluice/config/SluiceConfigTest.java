// Building configs from code, copies, environment overrides and backend URLs.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceConfigTest {
    @TempDir
    Path dir;

    @Test
    void builderFromCode() {
        DatabaseConfig db = DatabaseConfig.of("app", "127.0.0.1", 5432, "app", "u", "p");
        Userlist users = Userlist.of(Map.of("u", "p"));
        SluiceConfig c = SluiceConfig.builder().set(Settings.LISTEN_PORT, 0).database(db).userlist(users)
                .user(new UserConfig("u", PoolMode.SESSION, null, null)).warning("note").build();
        assertThat(c.listenPort()).isZero();
        assertThat(c.isSet(Settings.LISTEN_PORT)).isTrue();
        assertThat(c.isSet(Settings.POOL_MODE)).isFalse();
        assertThat(c.databases()).containsExactly(Map.entry("app", db));
        assertThat(c.database("app")).isSameAs(db);
        assertThat(c.database("missing")).isNull();
        assertThat(c.userlist()).isSameAs(users);
        assertThat(c.users().get("u").poolMode()).isEqualTo(PoolMode.SESSION);
        assertThat(c.warnings()).containsExactly("note");
        assertThat(c.sourceFile()).isNull();
        assertThat(c.toString()).doesNotContain("password=p");
    }

    @Test
    void builderRejectsOutOfRangeValues() {
        assertThatThrownBy(() -> SluiceConfig.builder().set(Settings.DEFAULT_POOL_SIZE, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("default_pool_size = 0: expected an integer in 1..100000");
        assertThatThrownBy(() -> SluiceConfig.builder().set(Settings.QUERY_TIMEOUT, Duration.ofSeconds(-1)))
                .hasMessageStartingWith("query_timeout = PT-1S: expected a duration");
    }

    @Test
    void withMakesACopy() {
        SluiceConfig base = SluiceConfig.builder().build();
        SluiceConfig changed = base.with(Settings.POOL_MODE, PoolMode.SESSION);
        assertThat(changed.poolMode()).isEqualTo(PoolMode.SESSION);
        assertThat(base.poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(changed.with(Settings.POOL_MODE, null).poolMode()).isEqualTo(PoolMode.TRANSACTION);
    }

    @Test
    void environmentOverrides() throws Exception {
        Path users = dir.resolve("users.txt");
        Files.writeString(users, "\"envuser\" \"pw\"\n");
        SluiceConfig c = SluiceConfig.builder().set(Settings.DEFAULT_POOL_SIZE, 9).build().withEnvironment(Map.of(
                "SLUICE_DEFAULT_POOL_SIZE", "5",
                "SLUICE_QUERY_WAIT_TIMEOUT", "500ms",
                "SLUICE_POOL_MODE", "session",
                "SLUICE_AUTH_FILE", users.toString(),
                "SLUICE_DEFUALT_POOL_SIZE", "1",
                "SLUICE_CONFIG", "/etc/sluice.ini",
                "PATH", "/usr/bin"));
        assertThat(c.defaultPoolSize()).isEqualTo(5);
        assertThat(c.queryWaitTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.poolMode()).isEqualTo(PoolMode.SESSION);
        assertThat(c.userlist().contains("envuser")).isTrue();
        assertThat(c.warnings()).containsExactly(
                "unknown environment variable SLUICE_DEFUALT_POOL_SIZE; did you mean SLUICE_DEFAULT_POOL_SIZE?");
    }

    @Test
    void environmentErrorsNameTheVariable() {
        SluiceConfig c = SluiceConfig.builder().build();
        assertThatThrownBy(() -> c.withEnvironment(Map.of("SLUICE_DEFAULT_POOL_SIZE", "lots")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("environment variable SLUICE_DEFAULT_POOL_SIZE = 'lots': expected an integer in 1..100000")
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("default_pool_size"));
        assertThatThrownBy(() -> c.withEnvironment(Map.of("SLUICE_AUTH_FILE", dir.resolve("none").toString())))
                .hasMessageStartingWith("environment variable SLUICE_AUTH_FILE: cannot read auth file");
    }

    @Test
    void fromBackendUrl() throws Exception {
        BackendUrl url = BackendUrl.parse("postgres://app:s3cret@db:5433/shop?application_name=api&sslmode=prefer&x=1");
        SluiceConfig c = UrlConfig.builder(url).set(Settings.LISTEN_PORT, 0).set(Settings.DEFAULT_POOL_SIZE, 4).build();
        DatabaseConfig db = c.databases().get("shop");
        assertThat(db.host()).isEqualTo("db");
        assertThat(db.port()).isEqualTo(5433);
        assertThat(db.dbname()).isEqualTo("shop");
        assertThat(db.user()).isEqualTo("app");
        assertThat(db.password()).isEqualTo("s3cret");
        assertThat(db.startupParameters()).containsExactly(Map.entry("application_name", "api"));
        assertThat(c.userlist().secret("app")).isEqualTo("s3cret");
        assertThat(c.authType()).isEqualTo(AuthType.SCRAM_SHA_256);
        assertThat(c.listenPort()).isZero();
        assertThat(c.defaultPoolSize()).isEqualTo(4);
        assertThat(c.warnings()).containsExactly("backend URL option x is not implemented by Sluice; ignored");
        assertThat(SluiceConfig.fromBackendUrl(url).databases()).containsOnlyKeys("shop");
    }

    @Test
    void backendUrlWithoutPasswordTrustsThatUserOnly() throws Exception {
        SluiceConfig c = SluiceConfig.fromBackendUrl(BackendUrl.parse("postgres://app@db/shop"));
        assertThat(c.authType()).isEqualTo(AuthType.TRUST);
        assertThat(c.userlist().users()).containsExactly("app");
    }

    @Test
    void backendUrlTlsOptionsBecomeServerTlsSettings() throws Exception {
        BackendUrl url = BackendUrl.parse("postgres://app:pw@db/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem");
        SluiceConfig c = SluiceConfig.fromBackendUrl(url);
        assertThat(c.serverTlsSslmode()).isEqualTo(TlsMode.VERIFY_FULL);
        assertThat(c.get(Settings.SERVER_TLS_CA_FILE)).isEqualTo("/etc/ca.pem");
        assertThat(c.warnings()).noneMatch(w -> w.contains("sslrootcert"));
    }

    @Test
    void backendUrlWithAnUnknownSslmodeIsRefused() throws Exception {
        BackendUrl url = BackendUrl.parse("postgres://app:pw@db/shop?sslmode=strict");
        assertThatThrownBy(() -> SluiceConfig.fromBackendUrl(url))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sslmode=strict: expected one of disable, allow, prefer, require, verify-ca");
    }
}
