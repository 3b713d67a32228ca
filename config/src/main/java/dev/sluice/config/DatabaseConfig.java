// One [databases] entry: where a client-visible database name really lives and how it is pooled.
package dev.sluice.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A {@code [databases]} line such as {@code app = host=10.0.0.5 port=5432 dbname=app_prod user=u}.
 * {@code host} may be a comma-separated list: new server connections go to its hosts in turn.
 * Null fields mean "not set": pool settings fall back to the [pgbouncer] defaults, {@code user} and
 * {@code password} to the client's own. {@code dbname} is null only for the fallback entry
 * {@code *}, where the proxy uses the database name the client asked for.
 *
 * @param startupParameters parameters sent to the server at login, under their PostgreSQL names
 *     (client_encoding, DateStyle, TimeZone, application_name)
 * @param serverLifetime this database's server_lifetime (PgBouncer allows it per database), or null
 */
public record DatabaseConfig(String name, String host, int port, String dbname, String user, String password,
        Integer poolSize, Integer minPoolSize, Integer reservePool, PoolMode poolMode, Integer maxDbConnections,
        String authUser, String connectQuery, Map<String, String> startupParameters, Duration serverLifetime) {

    /** The entry that matches any database name not listed. */
    public static final String FALLBACK = "*";
    /** PgBouncer's default is a unix socket; Sluice defaults to loopback TCP (host=/dir names a socket). */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 5432;

    /** Connection-string keys mapped to the PostgreSQL parameter names sent at startup. */
    private static final Map<String, String> STARTUP_KEYS = Map.of("client_encoding", "client_encoding",
            "datestyle", "DateStyle", "timezone", "TimeZone", "application_name", "application_name");
    /** PgBouncer keys Sluice accepts but ignores, so existing files still load (with a warning). */
    private static final Set<String> NOT_IMPLEMENTED = Set.of("auth_query", "auth_dbname",
            "max_db_client_connections");
    private static final Set<String> KEYS = Set.of("host", "port", "dbname", "user", "password", "pool_size",
            "min_pool_size", "reserve_pool", "reserve_pool_size", "pool_mode", "max_db_connections", "auth_user",
            "connect_query", "server_lifetime", "client_encoding", "datestyle", "timezone", "application_name",
            "load_balance_hosts");
    private static final ValueType<Integer> PORT = ValueType.integer(1, 65535);

    public DatabaseConfig {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("database entry needs a name");
        }
        startupParameters = startupParameters == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(startupParameters));
    }

    /** An entry set from code with pool settings left to the defaults. */
    public static DatabaseConfig of(String name, String host, int port, String dbname, String user, String password) {
        return new DatabaseConfig(name, host, port, dbname, user, password, null, null, null, null, null, null,
                null, Map.of(), null);
    }

    /** Parses a connection string outside any file, e.g. from a CLI flag. */
    public static DatabaseConfig parse(String name, String connString) throws ConfigException {
        return parse(name, connString, Origin.CODE, warning -> { });
    }

    static DatabaseConfig parse(String name, String connString, Origin origin,
            Consumer<String> warnings) throws ConfigException {
        String what = "database '" + name + "': ";
        Map<String, String> kv;
        try {
            kv = ConnString.parse(connString);
        } catch (IllegalArgumentException e) {
            throw origin.error(null, what + e.getMessage());
        }
        Map<String, String> startup = new LinkedHashMap<>();
        for (String key : kv.keySet()) {
            if (NOT_IMPLEMENTED.contains(key)) {
                warnings.accept("database key " + key + " is accepted but not implemented by Sluice; ignored ("
                        + origin + ")");
            } else if (!KEYS.contains(key)) {
                String hint = Spelling.nearest(key, KEYS);
                throw origin.error(key, what + "unknown key '" + key + "'"
                        + (hint == null ? "" : "; did you mean '" + hint + "'?"));
            } else if (STARTUP_KEYS.containsKey(key)) {
                startup.put(STARTUP_KEYS.get(key), kv.get(key));
            }
        }
        String host = kv.get("host");
        if (host != null) {
            for (String h : host.split(",", -1)) {
                if (h.isBlank()) {
                    throw origin.error("host", what + "host = '" + host + "' has an empty entry in its list");
                }
            }
            host = host.replace(" ", "");
        }
        String balance = kv.get("load_balance_hosts");
        if (balance != null && !balance.equals("round-robin")) {
            throw origin.error("load_balance_hosts", what + "load_balance_hosts = '" + balance + "' is not implemented;"
                    + " Sluice spreads new server connections over the host list round-robin (load_balance_hosts="
                    + "round-robin, PgBouncer's default)");
        }
        String reserve = kv.containsKey("reserve_pool") ? "reserve_pool" : "reserve_pool_size";
        Integer port = typed(kv, "port", PORT, origin, what);
        return new DatabaseConfig(name,
                host != null ? host : DEFAULT_HOST,
                port == null ? DEFAULT_PORT : port,
                kv.getOrDefault("dbname", FALLBACK.equals(name) ? null : name),
                kv.get("user"),
                kv.get("password"),
                typed(kv, "pool_size", Settings.DEFAULT_POOL_SIZE.type(), origin, what),
                typed(kv, "min_pool_size", Settings.MIN_POOL_SIZE.type(), origin, what),
                typed(kv, reserve, Settings.RESERVE_POOL_SIZE.type(), origin, what),
                typed(kv, "pool_mode", Settings.POOL_MODE.type(), origin, what),
                typed(kv, "max_db_connections", Settings.MAX_DB_CONNECTIONS.type(), origin, what),
                kv.get("auth_user"),
                kv.get("connect_query"),
                startup,
                typed(kv, "server_lifetime", Settings.SERVER_LIFETIME.type(), origin, what));
    }

    /** Parses one optional value with the same type and range as the matching [pgbouncer] setting. */
    static <T> T typed(Map<String, String> kv, String key, ValueType<T> type, Origin origin, String what)
            throws ConfigException {
        String raw = kv.get(key);
        if (raw == null) {
            return null;
        }
        try {
            return type.parse(raw);
        } catch (IllegalArgumentException e) {
            throw origin.error(key, what + key + " = '" + raw + "': " + e.getMessage());
        }
    }

    /** The connection-string keys this section understands (for the reference page). */
    public static Set<String> keys() {
        return KEYS;
    }

    /** PgBouncer keys accepted with a warning (for the reference page). */
    public static Set<String> ignoredKeys() {
        return NOT_IMPLEMENTED;
    }

    /** True for the {@code *} entry that serves any database name. */
    public boolean isFallback() {
        return FALLBACK.equals(name);
    }

    /** Like the generated one, but the password is masked so configs can be logged safely. */
    @Override
    public String toString() {
        return "DatabaseConfig[name=" + name + ", host=" + host + ", port=" + port + ", dbname=" + dbname
                + ", user=" + user + ", password=" + (password == null ? null : "****") + ", poolSize=" + poolSize
                + ", minPoolSize=" + minPoolSize + ", reservePool=" + reservePool + ", poolMode=" + poolMode
                + ", maxDbConnections=" + maxDbConnections + ", authUser=" + authUser + ", connectQuery="
                + connectQuery + ", startupParameters=" + startupParameters + "]";
    }
}
