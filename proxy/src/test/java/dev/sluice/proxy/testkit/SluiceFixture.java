// Runs an in-process Sluice in front of the private test cluster, with one config per test.
package dev.sluice.proxy.testkit;

import dev.sluice.config.AuthType;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Userlist;
import dev.sluice.proxy.SluiceServer;
import dev.sluice.proxy.pool.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Defaults: database {@code sluice_test} routed to the cluster, the four test users in the userlist with
 * their real passwords (so Sluice can log in to PostgreSQL as them), auth_type scram-sha-256, port 0.
 * {@code customize} changes anything else. Close it to stop Sluice.
 */
public final class SluiceFixture implements AutoCloseable {
    private final PgCluster pg;
    private final SluiceServer server;
    private final SluiceConfig config;

    private SluiceFixture(PgCluster pg, SluiceConfig config, int threads) throws InterruptedException {
        this.pg = pg;
        this.config = config;
        this.server = SluiceServer.start(config, threads);
    }

    public static SluiceFixture start(PoolMode mode, int poolSize) throws InterruptedException {
        return start(b -> b.set(Settings.POOL_MODE, mode).set(Settings.DEFAULT_POOL_SIZE, poolSize));
    }

    public static SluiceFixture start(UnaryOperator<SluiceConfig.Builder> customize) throws InterruptedException {
        return start(customize, 2);
    }

    /** @param threads event loops; 2 (as on the CI machine) exercises cross-loop links */
    public static SluiceFixture start(UnaryOperator<SluiceConfig.Builder> customize, int threads)
            throws InterruptedException {
        PgCluster pg = PgCluster.get();
        return new SluiceFixture(pg, customize.apply(baseConfig(pg)).build(), threads);
    }

    /** In front of {@code pg} (e.g. a throwaway cluster) instead of the JVM-wide one. */
    public static SluiceFixture start(PgCluster pg, UnaryOperator<SluiceConfig.Builder> customize)
            throws InterruptedException {
        return new SluiceFixture(pg, customize.apply(baseConfig(pg)).build(), 2);
    }

    public static SluiceConfig.Builder baseConfig(PgCluster pg) {
        Map<String, String> users = new LinkedHashMap<>();
        users.put(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD);
        users.put(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD);
        users.put(PgCluster.PLAIN_USER, PgCluster.PLAIN_PASSWORD);
        users.put(PgCluster.TRUST_USER, "");
        users.put(PgCluster.SUPERUSER, "");
        return SluiceConfig.builder()
                .set(Settings.LISTEN_ADDR, "127.0.0.1")
                .set(Settings.LISTEN_PORT, 0)
                .set(Settings.AUTH_TYPE, AuthType.SCRAM_SHA_256)
                .set(Settings.LOG_CONNECTIONS, false)
                .set(Settings.LOG_DISCONNECTIONS, false)
                .set(Settings.METRICS_LISTEN, "") // tests that scrape ask for 127.0.0.1:0
                .database(DatabaseConfig.of(PgCluster.TEST_DB, pg.host(), pg.port(), PgCluster.TEST_DB, null, null))
                .userlist(Userlist.of(users));
    }

    public SluiceServer server() {
        return server;
    }

    public SluiceConfig config() {
        return config;
    }

    public PgCluster pg() {
        return pg;
    }

    public int port() {
        return server.port();
    }

    /** The pool for the test database and {@code user}, created if needed. */
    public Pool pool(String user) {
        return server.proxy().pools().pool(PgCluster.TEST_DB, user);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + PgCluster.TEST_DB;
    }

    /**
     * pgjdbc through Sluice as the SCRAM test user. prepareThreshold=0 keeps pgjdbc on unnamed statements so
     * tests of other features do not depend on prepared-statement rewriting (PreparedStatement*IT cover that;
     * pass another prepareThreshold in {@code extra} to use it).
     */
    public Connection connect() throws SQLException {
        return connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, new Properties());
    }

    public Connection connect(String user, String password, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("prepareThreshold", "0");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.putAll(extra);
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** A raw protocol client, logged in as the SCRAM user. */
    public PgWireClient wire() throws Exception {
        PgWireClient c = PgWireClient.connect("127.0.0.1", port());
        c.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, PgCluster.TEST_DB);
        return c;
    }

    @Override
    public void close() {
        server.close();
    }
}
