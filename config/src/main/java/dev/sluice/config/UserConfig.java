// One [users] entry: per-user overrides of pool mode, pool size, connection limit and client timeouts.
package dev.sluice.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A {@code [users]} line such as {@code reporting = pool_mode=session pool_size=5 idle_transaction_timeout=30}.
 * Null fields mean "not set": the database entry or the [pgbouncer] default applies. The timeouts are PgBouncer
 * 1.24's per-user ones, in the same units as their [pgbouncer] settings.
 */
public record UserConfig(String name, PoolMode poolMode, Integer poolSize, Integer maxUserConnections,
        Duration queryTimeout, Duration idleTransactionTimeout, Duration clientIdleTimeout) {

    private static final Set<String> KEYS = Set.of("pool_mode", "pool_size", "max_user_connections", "query_timeout",
            "idle_transaction_timeout", "client_idle_timeout");
    /** Newer PgBouncer per-user keys that Sluice reads but ignores, with a warning. */
    private static final Set<String> NOT_IMPLEMENTED = Set.of("reserve_pool_size", "max_user_client_connections");

    /** An entry without per-user timeouts. */
    public UserConfig(String name, PoolMode poolMode, Integer poolSize, Integer maxUserConnections) {
        this(name, poolMode, poolSize, maxUserConnections, null, null, null);
    }

    public UserConfig {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("user entry needs a name");
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

    /** Parses a connection-string style value outside any file. */
    public static UserConfig parse(String name, String value) throws ConfigException {
        return parse(name, value, Origin.CODE, warning -> { });
    }

    static UserConfig parse(String name, String value, Origin origin, Consumer<String> warnings)
            throws ConfigException {
        String what = "user '" + name + "': ";
        Map<String, String> kv;
        try {
            kv = ConnString.parse(value);
        } catch (IllegalArgumentException e) {
            throw origin.error(null, what + e.getMessage());
        }
        for (String key : kv.keySet()) {
            if (NOT_IMPLEMENTED.contains(key)) {
                warnings.accept("user key " + key + " is accepted but not implemented by Sluice; ignored ("
                        + origin + ")");
            } else if (!KEYS.contains(key)) {
                String hint = Spelling.nearest(key, KEYS);
                throw origin.error(key, what + "unknown key '" + key + "'"
                        + (hint == null ? "" : "; did you mean '" + hint + "'?"));
            }
        }
        return new UserConfig(name,
                DatabaseConfig.typed(kv, "pool_mode", Settings.POOL_MODE.type(), origin, what),
                DatabaseConfig.typed(kv, "pool_size", Settings.DEFAULT_POOL_SIZE.type(), origin, what),
                DatabaseConfig.typed(kv, "max_user_connections", Settings.MAX_USER_CONNECTIONS.type(), origin, what),
                DatabaseConfig.typed(kv, "query_timeout", Settings.QUERY_TIMEOUT.type(), origin, what),
                DatabaseConfig.typed(kv, "idle_transaction_timeout", Settings.IDLE_TRANSACTION_TIMEOUT.type(), origin,
                        what),
                DatabaseConfig.typed(kv, "client_idle_timeout", Settings.CLIENT_IDLE_TIMEOUT.type(), origin, what));
    }
}
