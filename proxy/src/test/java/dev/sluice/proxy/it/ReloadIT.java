// Hot reload in-process: pools grow and shrink in pg_stat_activity while clients keep working; bad files change nothing.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.IniLoader;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.ReloadResult;
import dev.sluice.proxy.SluiceServer;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.TxItSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private Path ini;

    private void writeIni(String poolSize, String extraDatabases, String extraSettings) throws Exception {
        PgCluster pg = PgCluster.get();
        ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                PgCluster.TEST_DB + " = host=" + pg.host() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB,
                extraDatabases,
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = 0",
                "auth_type = md5",
                "auth_file = userlist.txt",
                "default_pool_size = " + poolSize,
                "log_connections = 0",
                "log_disconnections = 0",
                extraSettings,
                ""));
    }

    private void writeUsers(boolean withMd5User) throws Exception {
        String users = "\"" + PgCluster.SCRAM_USER + "\" \"" + PgCluster.SCRAM_PASSWORD + "\"\n";
        if (withMd5User) {
            users += "\"" + PgCluster.MD5_USER + "\" \"" + PgCluster.MD5_PASSWORD + "\"\n";
        }
        Files.writeString(dir.resolve("userlist.txt"), users);
    }

    private static Connection connect(int port, String db, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("prepareThreshold", "0");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, p);
    }

    @Test
    void poolGrowsAndShrinksLiveWhileClientsWork() throws Exception {
        PgCluster pg = PgCluster.get();
        writeUsers(false);
        writeIni("2", "", "");
        try (SluiceServer sluice = SluiceServer.start(IniLoader.load(ini), 2)) {
            Proxy proxy = sluice.proxy();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger done = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Thread t = new Thread(() -> {
                    try (Connection c = connect(sluice.port(), PgCluster.TEST_DB, PgCluster.SCRAM_USER,
                            PgCluster.SCRAM_PASSWORD); Statement st = c.createStatement()) {
                        while (!stop.get()) {
                            st.execute("select pg_sleep(0.03)");
                            done.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "reload-worker-" + i);
                t.start();
                workers.add(t);
            }
            try {
                await(WAIT, "2 servers with pool_size 2", () -> pg.countBackends(PgCluster.SCRAM_USER) == 2);

                writeIni("5", "", "");
                ReloadResult grow = proxy.reload();
                assertThat(grow.applied()).as("%s", grow).isTrue();
                assertThat(grow.diff().applied()).contains("default_pool_size: '2' -> '5'");
                assertThat(grow.pools()).anySatisfy(l -> assertThat(l).contains("pool_size 2 -> 5"));
                await(WAIT, "5 servers after growing", () -> pg.countBackends(PgCluster.SCRAM_USER) == 5,
                        () -> TxItSupport.activity(pg, PgCluster.SCRAM_USER));

                writeIni("1", "", "");
                assertThat(proxy.reload().applied()).isTrue();
                await(WAIT, "1 server after shrinking", () -> pg.countBackends(PgCluster.SCRAM_USER) == 1,
                        () -> TxItSupport.activity(pg, PgCluster.SCRAM_USER));
                int before = done.get();
                await(WAIT, "clients still served by the one server", () -> done.get() > before + 20);
            } finally {
                stop.set(true);
                for (Thread t : workers) {
                    t.join(20_000);
                }
            }
            assertThat(errors).as("client errors during reloads").isEmpty();
        }
    }

    @Test
    void invalidFileChangesNothingAndSaysWhy() throws Exception {
        writeUsers(false);
        writeIni("3", "", "");
        try (SluiceServer sluice = SluiceServer.start(IniLoader.load(ini), 1)) {
            Proxy proxy = sluice.proxy();
            writeIni("lots", "", "query_wait_timeout = 5");
            ReloadResult r = proxy.reload();
            assertThat(r.applied()).isFalse();
            assertThat(r.toString()).startsWith("reload refused, running configuration unchanged: ")
                    .contains("pgbouncer.ini:9: default_pool_size = 'lots': expected an integer in 1..100000");
            assertThat(proxy.config().defaultPoolSize()).isEqualTo(3);
            assertThat(proxy.config().queryWaitTimeout()).isEqualTo(Duration.ofSeconds(120));
            try (Connection c = connect(sluice.port(), PgCluster.TEST_DB, PgCluster.SCRAM_USER,
                    PgCluster.SCRAM_PASSWORD)) {
                assertThat(c.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void listenPortNeedsRestartOtherChangesApply() throws Exception {
        writeUsers(false);
        writeIni("3", "", "");
        try (SluiceServer sluice = SluiceServer.start(IniLoader.load(ini), 1)) {
            Proxy proxy = sluice.proxy();
            dev.sluice.proxy.pool.Pool pool = proxy.pools().pool(PgCluster.TEST_DB, PgCluster.SCRAM_USER);
            Files.writeString(ini, Files.readString(ini).replace("listen_port = 0", "listen_port = 1")
                    + "query_wait_timeout = 7\n");
            ReloadResult r = proxy.reload();
            assertThat(r.applied()).isTrue();
            assertThat(r.diff().restartNeeded()).containsExactly("listen_port: '0' -> '1'");
            assertThat(r.toString()).contains("listen_port: '0' -> '1' (needs a restart; still running with the old value)");
            assertThat(proxy.config().listenPort()).isZero();
            assertThat(proxy.config().queryWaitTimeout()).isEqualTo(Duration.ofSeconds(7));
            assertThat(pool.settings().queryWaitTimeoutNanos()).as("an existing pool takes the new timeout")
                    .isEqualTo(Duration.ofSeconds(7).toNanos());
        }
    }

    @Test
    void databasesAndUsersAppearAndRemovedOnesDrain() throws Exception {
        PgCluster pg = PgCluster.get();
        writeUsers(false);
        writeIni("3", "", "");
        try (SluiceServer sluice = SluiceServer.start(IniLoader.load(ini), 1)) {
            Proxy proxy = sluice.proxy();
            int port = sluice.port();
            String other = "other = host=" + pg.host() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB;
            assertThat(sqlStateOf(() -> connect(port, "other", PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD)))
                    .isEqualTo("3D000");
            // auth_file changes apply to new logins: the md5 user is unknown until it is added
            assertThat(sqlStateOf(() -> connect(port, PgCluster.TEST_DB, PgCluster.MD5_USER, PgCluster.MD5_PASSWORD)))
                    .isEqualTo("28P01");

            writeUsers(true);
            writeIni("3", other, "");
            ReloadResult r = proxy.reload();
            assertThat(r.diff().applied()).contains("database 'other' added",
                    "auth_file: user '" + PgCluster.MD5_USER + "' added");
            try (Connection md5 = connect(port, PgCluster.TEST_DB, PgCluster.MD5_USER, PgCluster.MD5_PASSWORD)) {
                assertThat(md5.isValid(5)).isTrue();
            }
            try (Connection kept = connect(port, "other", PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD);
                 Statement st = kept.createStatement()) {
                st.execute("select 1");

                writeIni("3", "", "");
                r = proxy.reload();
                assertThat(r.diff().applied()).contains("database 'other' removed");
                assertThat(r.pools()).contains("pool other/" + PgCluster.SCRAM_USER
                        + " drains: its database entry is gone");
                // the connected client keeps working; a new one is refused
                st.execute("select 2");
                assertThat(sqlStateOf(() -> connect(port, "other", PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD)))
                        .isEqualTo("3D000");
                assertThat(proxy.pools().all()).anySatisfy(p -> assertThat(p.toString()).contains("other/"));
            }
            await(WAIT, "the drained pool is forgotten once its client left",
                    () -> proxy.pools().all().stream().noneMatch(p -> p.toString().contains("other/")));
        }
    }

    private interface Connect {
        Connection open() throws SQLException;
    }

    private static String sqlStateOf(Connect connect) {
        try (Connection c = connect.open()) {
            return null;
        } catch (SQLException e) {
            return TxItSupport.sqlState(e);
        }
    }
}
