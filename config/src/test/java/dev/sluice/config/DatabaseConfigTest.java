// Connection-string parsing for [databases] and [users] entries.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {

    @Test
    void defaults() throws Exception {
        DatabaseConfig db = DatabaseConfig.parse("app", "");
        assertThat(db.host()).isEqualTo("127.0.0.1");
        assertThat(db.port()).isEqualTo(5432);
        assertThat(db.dbname()).isEqualTo("app");
        assertThat(db.user()).isNull();
        assertThat(db.password()).isNull();
        assertThat(db.poolSize()).isNull();
        assertThat(db.poolMode()).isNull();
        assertThat(db.startupParameters()).isEmpty();
        assertThat(db.isFallback()).isFalse();
    }

    @Test
    void serverLifetimePerDatabaseInPgBouncersUnits() throws Exception {
        assertThat(DatabaseConfig.parse("app", "host=db server_lifetime=300").serverLifetime())
                .isEqualTo(java.time.Duration.ofSeconds(300));
        assertThat(DatabaseConfig.parse("app", "host=db server_lifetime=1h").serverLifetime())
                .isEqualTo(java.time.Duration.ofHours(1));
        assertThat(DatabaseConfig.parse("app", "host=db").serverLifetime()).isNull();
    }

    @Test
    void fallbackEntryLeavesDbnameToTheClient() throws Exception {
        DatabaseConfig star = DatabaseConfig.parse("*", "host=db port=5433");
        assertThat(star.isFallback()).isTrue();
        assertThat(star.dbname()).isNull();
        assertThat(star.port()).isEqualTo(5433);
    }

    @Test
    void quotedValuesWithEscapesAndSpacesAroundEquals() throws Exception {
        DatabaseConfig db = DatabaseConfig.parse("app",
                "  user = 'o\\'brien'  password='a b\\\\c' connect_query='SET x = 1' auth_user=pgb");
        assertThat(db.user()).isEqualTo("o'brien");
        assertThat(db.password()).isEqualTo("a b\\c");
        assertThat(db.connectQuery()).isEqualTo("SET x = 1");
        assertThat(db.authUser()).isEqualTo("pgb");
    }

    @Test
    void poolSettingsAndStartupParameters() throws Exception {
        DatabaseConfig db = DatabaseConfig.parse("app", "pool_size=5 min_pool_size=1 reserve_pool=2 "
                + "pool_mode=Statement max_db_connections=40 client_encoding=UTF8 datestyle=ISO "
                + "timezone=UTC application_name=batch HOST=h");
        assertThat(db.poolSize()).isEqualTo(5);
        assertThat(db.minPoolSize()).isEqualTo(1);
        assertThat(db.reservePool()).isEqualTo(2);
        assertThat(db.poolMode()).isEqualTo(PoolMode.STATEMENT);
        assertThat(db.maxDbConnections()).isEqualTo(40);
        assertThat(db.host()).isEqualTo("h");
        assertThat(db.startupParameters()).containsExactly(Map.entry("client_encoding", "UTF8"),
                Map.entry("DateStyle", "ISO"), Map.entry("TimeZone", "UTC"), Map.entry("application_name", "batch"));
        assertThat(DatabaseConfig.parse("x", "reserve_pool_size=3").reservePool()).isEqualTo(3);
    }

    @Test
    void invalidPortAndUnknownKey() {
        assertThatThrownBy(() -> DatabaseConfig.parse("app", "port=0"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("<config>: database 'app': port = '0': expected an integer in 1..65535");
        assertThatThrownBy(() -> DatabaseConfig.parse("app", "sslmode=require"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'sslmode'")
                .extracting(e -> ((ConfigException) e).key()).isEqualTo("sslmode");
    }

    @Test
    void toStringMasksPassword() throws Exception {
        DatabaseConfig db = DatabaseConfig.of("app", "h", 5432, "app", "u", "topsecret");
        assertThat(db.toString()).contains("password=****").doesNotContain("topsecret");
    }

    @Test
    void userEntries() throws Exception {
        assertThat(UserConfig.parse("bob", "pool_mode=transaction max_user_connections=3"))
                .isEqualTo(new UserConfig("bob", PoolMode.TRANSACTION, null, 3));
        assertThatThrownBy(() -> UserConfig.parse("bob", "pool_mod=session"))
                .hasMessageContaining("user 'bob': unknown key 'pool_mod'; did you mean 'pool_mode'?");
    }
}
