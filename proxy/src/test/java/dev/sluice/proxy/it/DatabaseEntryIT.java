// [databases] and [users] keys from an ini file, observed on the real server: connect_query, per-db settings, limits.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.IniLoader;
import dev.sluice.config.PoolMode;
import dev.sluice.proxy.SluiceServer;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgWireClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseEntryIT {
    @TempDir
    Path dir;

    private SluiceServer start() throws Exception {
        PgCluster pg = PgCluster.get();
        String backend = "host=" + pg.host() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB;
        Files.writeString(dir.resolve("userlist.txt"), "\"" + PgCluster.SCRAM_USER + "\" \""
                + PgCluster.SCRAM_PASSWORD + "\"\n");
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                "'tokyo db' = " + backend + " timezone=Asia/Tokyo datestyle='SQL, DMY' pool_size=3"
                        + " max_db_connections=2 connect_query='SET work_mem = \\'7777kB\\''",
                "broken = " + backend + " connect_query='SELECT * FROM no_such_table'",
                // PostgreSQL listens on 127.0.0.1 only: every other launch fails on 127.0.0.2 and the next one retries
                "multi = host=127.0.0.1,127.0.0.2 port=" + pg.port() + " dbname=" + PgCluster.TEST_DB,
                "[users]",
                PgCluster.SCRAM_USER + " = pool_mode=session",
                "[pgbouncer]",
                "listen_port = 0",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "log_connections = 0",
                "server_login_retry = 0.1",
                ""));
        return SluiceServer.start(IniLoader.load(ini), 1);
    }

    @Test
    void perDatabaseSettingsAndConnectQueryReachTheServer() throws Exception {
        try (SluiceServer sluice = start();
             PgWireClient w = PgWireClient.connect("127.0.0.1", sluice.port())) {
            w.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, "tokyo db");
            assertThat(w.parameters()).containsEntry("TimeZone", "Asia/Tokyo").containsEntry("DateStyle", "SQL, DMY");
            assertThat(w.simpleQuery("show work_mem")).containsExactly(java.util.List.of("7777kB"));
            assertThat(w.simpleQuery("select current_database()")).containsExactly(java.util.List.of(PgCluster.TEST_DB));
            Pool pool = sluice.proxy().pools().pool("tokyo db", PgCluster.SCRAM_USER);
            assertThat(pool.mode()).as("[users] beats [databases] and [pgbouncer]").isEqualTo(PoolMode.SESSION);
            assertThat(pool.settings().poolSize()).isEqualTo(3);
        }
    }

    @Test
    void failingConnectQueryRefusesTheClientWithTheServersError() throws Exception {
        try (SluiceServer sluice = start()) {
            java.util.Properties p = new java.util.Properties();
            p.setProperty("user", PgCluster.SCRAM_USER);
            p.setProperty("password", PgCluster.SCRAM_PASSWORD);
            p.setProperty("connectTimeout", "10");
            assertThatThrownBy(() -> java.sql.DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + sluice.port() + "/broken", p).close())
                    .isInstanceOfSatisfying(java.sql.SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42P01");
                        assertThat(e.getMessage()).contains("connect_query on backend")
                                .contains("relation \"no_such_table\" does not exist");
                    });
        }
    }

    @Test
    void hostListSpreadsServersRoundRobinAndEachServerKeepsItsHost() throws Exception {
        try (LogCapture logs = LogCapture.start("dev.sluice");
             SluiceServer sluice = start();
             PgWireClient first = PgWireClient.connect("127.0.0.1", sluice.port());
             PgWireClient second = PgWireClient.connect("127.0.0.1", sluice.port())) {
            // session mode ([users]): each client holds its own server, so the second needs a second launch
            first.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, "multi");
            second.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, "multi");
            assertThat(first.simpleQuery("select 1")).containsExactly(java.util.List.of("1"));
            assertThat(second.simpleQuery("select 2")).containsExactly(java.util.List.of("2"));
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l)
                    .contains("could not connect to backend 127.0.0.2:" + PgCluster.get().port()));
            Pool pool = sluice.proxy().pools().pool("multi", PgCluster.SCRAM_USER);
            assertThat(java.util.List.of(pool.nextBackend().host(), pool.nextBackend().host()))
                    .containsExactlyInAnyOrder("127.0.0.1", "127.0.0.2");
        }
    }
}
