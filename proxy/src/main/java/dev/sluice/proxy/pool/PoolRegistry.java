// Finds or creates the pool for a (database, user) pair, resolving its settings from the config once.
package dev.sluice.proxy.pool;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UserConfig;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.prepared.StatementRegistry;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.ServerConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Precedence as in PgBouncer: [users] entry, then [databases] entry, then the [pgbouncer] default. */
public final class PoolRegistry {
    /** How much longer a waiter on another loop may have waited before it beats one on the server's loop. */
    private static final long CROSS_LOOP_SLACK_NANOS = 2_000_000;

    private final SluiceConfig config;
    private final ServerConnector connector;
    private final LoopSet loops;
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final StatementRegistry statementRegistry = new StatementRegistry();
    private final ConcurrentHashMap<String, AtomicInteger> perDb = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> perUser = new ConcurrentHashMap<>();

    public PoolRegistry(SluiceConfig config, ServerConnector connector, LoopSet loops) {
        this.config = config;
        this.connector = connector;
        this.loops = loops;
    }

    /** @throws ProtocolException 3D000 when no [databases] entry (nor '*') matches */
    public Pool pool(String database, String user) {
        PoolKey key = new PoolKey(database, user);
        Pool p = pools.get(key);
        return p != null ? p : pools.computeIfAbsent(key, this::create);
    }

    public StatementRegistry statementRegistry() {
        return statementRegistry;
    }

    public List<Pool> all() {
        return new ArrayList<>(pools.values());
    }

    private Pool create(PoolKey key) {
        DatabaseConfig db = config.database(key.database());
        if (db == null) {
            throw new ProtocolException(SqlState.INVALID_CATALOG_NAME,
                    "no such database: \"" + key.database() + "\" is not in Sluice's [databases]");
        }
        UserConfig u = config.users().get(key.user());
        String backendUser = db.user() != null ? db.user() : key.user();
        String secret = db.password() != null ? db.password() : config.userlist().secret(backendUser);
        Backend backend = new Backend(db.host(), db.port(), db.dbname() != null ? db.dbname() : key.database(),
                backendUser, secret, db.startupParameters());
        PoolMode mode = u != null && u.poolMode() != null ? u.poolMode()
                : db.poolMode() != null ? db.poolMode() : config.poolMode();
        int size = u != null && u.poolSize() != null ? u.poolSize()
                : db.poolSize() != null ? db.poolSize() : config.defaultPoolSize();
        PoolSettings settings = new PoolSettings(mode, size,
                db.minPoolSize() != null ? db.minPoolSize() : config.minPoolSize(),
                db.reservePool() != null ? db.reservePool() : config.reservePoolSize(),
                config.reservePoolTimeout().toNanos(),
                config.queryWaitTimeout().toNanos(),
                config.serverLifetime().toNanos(),
                config.serverIdleTimeout().toNanos(),
                config.serverLoginRetry().toNanos(),
                config.serverConnectTimeout().toMillis(),
                config.serverResetQuery(),
                config.serverResetQueryAlways(),
                CROSS_LOOP_SLACK_NANOS,
                config.maxPacketSize(),
                config.maxPreparedStatements(),
                config.serverLifetimeJitter().toNanos(),
                config.serverCheckDelay().toNanos(),
                config.serverCheckQuery(),
                config.maxWaitingClients());
        int maxDb = db.maxDbConnections() != null ? db.maxDbConnections() : config.maxDbConnections();
        int maxUser = u != null && u.maxUserConnections() != null ? u.maxUserConnections() : config.maxUserConnections();
        Limits limits = new Limits(perDb.computeIfAbsent(backend.database() + "@" + backend.address(),
                k -> new AtomicInteger()), maxDb, perUser.computeIfAbsent(backendUser, k -> new AtomicInteger()), maxUser);
        return new Pool(key, settings, backend, connector, limits, loops, statementRegistry);
    }
}
