// The most servers a config may open per database: users x (pool_size + reserve), per-user caps, max_db_connections.
package dev.sluice.proxy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthType;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UserConfig;
import dev.sluice.config.Userlist;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapacityTest {
    private static final Userlist USERS = Userlist.of(Map.of("a", "x", "b", "x", "c", "x"));

    private static int max(SluiceConfig c, String db, StringBuilder why) {
        return Capacity.maxServers(c, c.databases().get(db), why);
    }

    @Test
    void usersTimesPoolSizePlusReserveWithPerUserOverridesAndCaps() throws Exception {
        SluiceConfig c = SluiceConfig.builder().set(Settings.DEFAULT_POOL_SIZE, 10).set(Settings.RESERVE_POOL_SIZE, 2)
                .userlist(USERS).database(DatabaseConfig.parse("app", "host=x"))
                .user(new UserConfig("a", null, 3, null)).user(new UserConfig("b", null, null, 4)).build();
        StringBuilder why = new StringBuilder();
        // a: 3 + 2, b: min(10 + 2, 4), c: 10 + 2
        assertThat(max(c, "app", why)).isEqualTo(5 + 4 + 12);
        assertThat(why).hasToString("3 users x (pool_size + reserve_pool)");
    }

    @Test
    void maxDbConnectionsCapsAndBoundsOpenEndedConfigs() throws Exception {
        SluiceConfig c = SluiceConfig.builder().userlist(USERS)
                .database(DatabaseConfig.parse("app", "host=x max_db_connections=7"))
                .database(DatabaseConfig.parse("*", "host=x"))
                .database(DatabaseConfig.parse("capped", "host=x")).set(Settings.MAX_DB_CONNECTIONS, 0).build();
        StringBuilder why = new StringBuilder();
        assertThat(max(c, "app", why)).isEqualTo(7);
        assertThat(why).hasToString("max_db_connections=7");
        why.setLength(0);
        assertThat(max(c, "*", why)).isEqualTo(-1);
        assertThat(why.toString()).isEqualTo("unbounded: the * entry serves any database name; set max_db_connections");

        SluiceConfig any = c.with(Settings.AUTH_TYPE, AuthType.ANY);
        why.setLength(0);
        assertThat(max(any, "capped", why)).isEqualTo(-1);
        assertThat(why.toString()).contains("auth_type any lets any user in");
        SluiceConfig authQuery = c.with(Settings.AUTH_USER, "pgb").with(Settings.MAX_DB_CONNECTIONS, 30);
        why.setLength(0);
        assertThat(max(authQuery, "capped", why)).isEqualTo(30);
    }
}
