// auth_query: fetches a user's secret from PostgreSQL as auth_user, off the event loops, cached for a few seconds.
package dev.sluice.proxy.client;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.server.PgProbe;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * As PgBouncer does for users missing from the auth_file: log in as auth_user (whose secret is in the
 * auth_file, or the entry's password) and run auth_query with the user name as $1; the second column is the
 * secret (plain, md5 or SCRAM verifier), NULL or no row means "no such user". Lookups run on one small
 * thread with one connection per target kept open between lookups, so no event loop ever blocks on them;
 * the caller continues on its own loop when the future completes. Answers are cached for {@link #TTL_NANOS}
 * so a reconnect storm does not become a query storm.
 */
public final class AuthQuery implements AutoCloseable {
    static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Logger log = LoggerFactory.getLogger(AuthQuery.class);

    /** Where and as whom a lookup runs. */
    private record Target(String host, int port, String dbname, String authUser, String authSecret, String query) {
        @Override
        public String toString() {
            return authUser + "@" + host + ":" + port + "/" + dbname; // never the secret
        }
    }

    private record Cached(String secret, long expiresNanos) {
    }

    /** A kept connection unused this long is closed (a reload may have changed the target for good). */
    private static final long IDLE_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-auth-query");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Only touched on the executor's thread. */
    private final Map<Target, PgProbe> connections = new HashMap<>();
    private final Map<Target, Long> lastUsed = new HashMap<>();

    public AuthQuery() {
        executor.scheduleWithFixedDelay(this::closeIdle, 30, 30, TimeUnit.SECONDS);
    }

    /** The auth_user for clients of {@code db}, or null when auth_query is off for it. */
    public static String authUser(SluiceConfig cfg, DatabaseConfig db) {
        return db.authUser() != null ? db.authUser() : cfg.get(Settings.AUTH_USER);
    }

    /**
     * The stored secret of {@code user}, or null when PostgreSQL has none (unknown, NOLOGIN, expired by
     * rolvaliduntil with the default query). Completes exceptionally when the lookup itself fails.
     */
    public CompletableFuture<String> lookup(SluiceConfig cfg, DatabaseConfig db, String database, String user) {
        String authUser = authUser(cfg, db);
        String authSecret = db.password() != null && authUser.equals(db.user()) ? db.password()
                : cfg.userlist().secret(authUser);
        String dbname = cfg.get(Settings.AUTH_DBNAME) != null ? cfg.get(Settings.AUTH_DBNAME)
                : db.dbname() != null ? db.dbname() : database;
        // a host list: the first host answers (auth data is cluster-wide, so any member would do)
        Target target = new Target(db.host().split(",")[0], db.port(), dbname, authUser, authSecret,
                cfg.get(Settings.AUTH_QUERY));
        String key = target + "|" + user;
        Cached hit = cache.get(key);
        if (hit != null && System.nanoTime() - hit.expiresNanos() < 0) {
            return CompletableFuture.completedFuture(hit.secret());
        }
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1000, cfg.serverConnectTimeout().toMillis()));
        return CompletableFuture.supplyAsync(() -> {
            String secret = fetch(target, user, timeoutMillis);
            cache.put(key, new Cached(secret, System.nanoTime() + TTL_NANOS));
            return secret;
        }, executor);
    }

    /** On the executor: one retry on a fresh connection when a kept one has gone stale. */
    private String fetch(Target target, String user, int timeoutMillis) {
        for (int attempt = 0; ; attempt++) {
            PgProbe conn = connections.get(target);
            boolean fresh = conn == null;
            try {
                if (conn == null) {
                    conn = PgProbe.connect(target.host(), target.port(), target.dbname(), target.authUser(),
                            target.authSecret(), null, timeoutMillis);
                    connections.put(target, conn);
                }
                lastUsed.put(target, System.nanoTime());
                List<List<String>> rows = conn.query(target.query(), user);
                return rows.isEmpty() || rows.get(0).size() < 2 ? null : rows.get(0).get(1);
            } catch (IOException e) {
                drop(target);
                if (fresh || attempt > 0) {
                    throw new IllegalStateException("auth_query as " + target + " failed: " + e.getMessage(), e);
                }
            } catch (PgProbe.ProbeException e) {
                drop(target);
                throw new IllegalStateException("auth_query as " + target + " failed: " + e.sqlState() + " "
                        + e.getMessage(), e);
            }
        }
    }

    /** On the executor, every 30 s: close connections idle for a minute and forget expired answers. */
    private void closeIdle() {
        long now = System.nanoTime();
        lastUsed.entrySet().removeIf(e -> {
            if (now - e.getValue() > IDLE_CLOSE_NANOS) {
                PgProbe old = connections.remove(e.getKey());
                if (old != null) {
                    old.close();
                }
                return true;
            }
            return false;
        });
        cache.values().removeIf(c -> now - c.expiresNanos() > 0);
    }

    private void drop(Target target) {
        lastUsed.remove(target);
        PgProbe old = connections.remove(target);
        if (old != null) {
            old.close();
        }
    }

    /** Closes the kept connections and stops the thread. */
    @Override
    public void close() {
        executor.execute(() -> {
            connections.values().forEach(PgProbe::close);
            connections.clear();
        });
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("auth_query thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
