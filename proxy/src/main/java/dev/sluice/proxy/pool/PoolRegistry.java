// Finds or creates the pool for a (database, user) pair, resolving its settings from the config once.
package dev.sluice.proxy.pool;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UserConfig;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.metrics.ProxyCounters;
import dev.sluice.proxy.prepared.StatementRegistry;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.ServerConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Precedence as in PgBouncer: [users] entry, then [databases] entry, then the [pgbouncer] default. */
public final class PoolRegistry {
    /** How much longer a waiter on another loop may have waited before it beats one on the server's loop. */
    private static final long CROSS_LOOP_SLACK_NANOS = 2_000_000;

    private volatile SluiceConfig config;
    private final ServerConnector connector;
    private final LoopSet loops;
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final StatementRegistry statementRegistry = new StatementRegistry();
    private final ProxyCounters counters;
    private final ConcurrentHashMap<String, AtomicInteger> perDb = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
    /** Pools a reload removed or re-pointed; kept (for the janitor and stats) until their clients and servers are gone. */
    private final Set<Pool> draining = ConcurrentHashMap.newKeySet();

    /** What a pool runs with under one config. */
    private record Resolved(Backend backend, PoolSettings settings, int maxDb, int maxUser) {
    }

    public PoolRegistry(SluiceConfig config, ServerConnector connector, LoopSet loops, ProxyCounters counters) {
        this.counters = counters;
        this.config = config;
        this.connector = connector;
        this.loops = loops;
    }

    /** @throws ProtocolException 3D000 when no [databases] entry (nor '*') matches */
    public Pool pool(String database, String user) {
        PoolKey key = new PoolKey(database, user);
        Pool p = pools.get(key);
        if (p != null) {
            return p;
        }
        synchronized (this) { // not during a reconfigure: a pool is created under the config it then keeps
            return pools.computeIfAbsent(key, this::create);
        }
    }

    public StatementRegistry statementRegistry() {
        return statementRegistry;
    }

    /** Live pools, then draining ones; a draining pool with nothing left in it is forgotten here. */
    public List<Pool> all() {
        draining.removeIf(Pool::drained);
        List<Pool> all = new ArrayList<>(pools.values());
        all.addAll(draining);
        return all;
    }

    /**
     * Applies a reloaded config: pools whose settings changed take the new ones (the janitor then grows or
     * shrinks them); pools whose database entry is gone, or whose backend or pool mode changed, drain: their
     * clients keep working and new clients get a fresh pool (or 3D000). Returns one line per affected pool.
     */
    public synchronized List<String> reconfigure(SluiceConfig next) {
        config = next;
        List<String> changes = new ArrayList<>();
        for (Map.Entry<PoolKey, Pool> e : pools.entrySet()) {
            Pool pool = e.getValue();
            Resolved r = resolve(next, e.getKey());
            if (r == null || !r.backend().equals(pool.backend()) || r.settings().mode() != pool.mode()) {
                pools.remove(e.getKey(), pool);
                pool.drain();
                draining.add(pool);
                changes.add(pool + " drains: " + (r == null ? "its database entry is gone"
                        : !r.backend().equals(pool.backend()) ? "backend or credentials changed"
                        : "pool_mode changed to " + r.settings().mode()));
            } else if (!r.settings().equals(pool.settings())) {
                changes.add(pool + ": settings updated (pool_size " + pool.settings().poolSize() + " -> "
                        + r.settings().poolSize() + ")");
                pool.settings(r.settings());
            }
            if (r != null) {
                pool.limits.update(r.maxDb(), r.maxUser());
            }
        }
        return changes;
    }

    private Pool create(PoolKey key) {
        SluiceConfig config = this.config; // one snapshot for the whole pool
        Resolved r = resolve(config, key);
        if (r == null) {
            throw new ProtocolException(SqlState.INVALID_CATALOG_NAME,
                    "no such database: \"" + key.database() + "\" is not in Sluice's [databases]");
        }
        Backend backend = r.backend();
        Limits limits = new Limits(perDb.computeIfAbsent(backend.database() + "@" + backend.address(),
                k -> new AtomicInteger()), r.maxDb(), perUser.computeIfAbsent(backend.user(), k -> new AtomicInteger()),
                r.maxUser());
        return new Pool(key, r.settings(), backend, connector, limits, loops, statementRegistry, counters);
    }

    /** Precedence: [users] entry, then [databases] entry, then [pgbouncer]; null when no entry matches. */
    private static Resolved resolve(SluiceConfig config, PoolKey key) {
        DatabaseConfig db = config.database(key.database());
        if (db == null) {
            return null;
        }
        UserConfig u = config.users().get(key.user());
        String backendUser = db.user() != null ? db.user() : key.user();
        String secret = db.password() != null ? db.password() : config.userlist().secret(backendUser);
        Backend backend = new Backend(db.host(), db.port(), db.dbname() != null ? db.dbname() : key.database(),
                backendUser, secret, db.startupParameters(), db.connectQuery());
        PoolMode mode = u != null && u.poolMode() != null ? u.poolMode()
                : db.poolMode() != null ? db.poolMode() : config.poolMode();
        int size = u != null && u.poolSize() != null ? u.poolSize()
                : db.poolSize() != null ? db.poolSize() : config.defaultPoolSize();
        PoolSettings settings = new PoolSettings(mode, size,
                db.minPoolSize() != null ? db.minPoolSize() : config.minPoolSize(),
                db.reservePool() != null ? db.reservePool() : config.reservePoolSize(),
                config.reservePoolTimeout().toNanos(),
                config.queryWaitTimeout().toNanos(),
                (db.serverLifetime() != null ? db.serverLifetime() : config.serverLifetime()).toNanos(),
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
        return new Resolved(backend, settings, maxDb, maxUser);
    }
}
