// The session settings in force on one server, and the client set they were last found to match.
package dev.sluice.proxy.client;

import java.util.HashMap;
import java.util.Map;

/**
 * Reported settings hold PostgreSQL's own spelling (from ParameterStatus); others hold what Sluice set.
 * Touched only on the server's event loop (which is its linked client's).
 */
public final class ServerParams {
    private final Map<String, String> values = new HashMap<>();
    /** The client set last found equal to {@link #values}: usually makes the check one identity comparison. */
    private ParamSet synced;

    /** The values as the server reported them at login: what a pool's new clients are told. */
    public Map<String, String> values() {
        return values;
    }

    public void loggedIn(Map<String, String> reported) {
        values.putAll(reported);
    }

    /** A ParameterStatus from the server. */
    public void reported(String name, String value) {
        values.put(name, value);
        synced = null;
    }

    /** After a reset query: settings PostgreSQL does not report went back to their defaults too. */
    public void resetUnreported(Map<String, String> reported) {
        values.keySet().removeIf(k -> reported == null || !reported.containsKey(k));
        synced = null;
    }

    /** SQL making this server run with {@code wanted}, or null when it already does. */
    String syncSql(ParamSet wanted, Map<String, String> reported) {
        if (synced == wanted) {
            return null;
        }
        String sql = wanted.syncSql(values, reported);
        if (sql == null) {
            synced = wanted;
        }
        return sql;
    }

    /**
     * The sync query succeeded: records the settings Sluice set, and returns the client's set with the
     * server's spelling of reported values (DateStyle 'ISO' comes back as 'ISO, MDY'), so the next check
     * finds them equal.
     */
    ParamSet synced(ParamSet wanted, Map<String, String> reported) {
        Map<String, String> adopted = null;
        for (Map.Entry<String, String> e : wanted.values().entrySet()) {
            String name = e.getKey();
            String have = values.get(name);
            if (reported.containsKey(name)) {
                if (have != null && !have.equals(e.getValue())) {
                    if (adopted == null) {
                        adopted = new HashMap<>(wanted.values());
                    }
                    adopted.put(name, have);
                }
            } else {
                values.put(name, e.getValue());
            }
        }
        values.keySet().removeIf(k -> !wanted.values().containsKey(k) && !reported.containsKey(k));
        synced = adopted != null ? ParamSet.of(adopted) : wanted;
        return synced;
    }
}
