// A client's wanted session parameters: immutable, shared between clients that want the same values.
package dev.sluice.proxy.client;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Immutable and interned, so that the check "does this server already run with this client's settings" is
 * usually one identity comparison: a server remembers the set it was last synced to, and thousands of clients
 * of one application share the same instance.
 */
public final class ParamSet {
    /** Settings PostgreSQL reports but no client may SET. */
    private static final Set<String> READ_ONLY = Set.of("server_version", "server_encoding", "integer_datetimes",
            "is_superuser", "session_authorization", "in_hot_standby", "server_version_num");
    private static final int INTERN_LIMIT = 10_000;
    private static final Map<ParamSet, ParamSet> INTERNED = new ConcurrentHashMap<>();

    private final Map<String, String> values;
    private final int hash;

    private ParamSet(Map<String, String> values) {
        this.values = values;
        this.hash = values.hashCode();
    }

    public static ParamSet of(Map<String, String> values) {
        ParamSet p = new ParamSet(Map.copyOf(values));
        ParamSet known = INTERNED.get(p);
        if (known != null) {
            return known;
        }
        if (INTERNED.size() < INTERN_LIMIT) {
            known = INTERNED.putIfAbsent(p, p);
        }
        return known != null ? known : p;
    }

    public Map<String, String> values() {
        return values;
    }

    public String get(String name) {
        return values.get(name);
    }

    public ParamSet with(String name, String value) {
        if (value.equals(values.get(name))) {
            return this;
        }
        Map<String, String> m = new HashMap<>(values);
        m.put(name, value);
        return of(m);
    }

    static boolean settable(String name) {
        return !READ_ONLY.contains(name);
    }

    /**
     * The SQL that makes a server with {@code server} values run with these, or null when nothing differs.
     * Keys the server has but the client does not (set for an earlier client) are RESET.
     */
    public String syncSql(Map<String, String> server, Map<String, String> reported) {
        // set_config takes the raw value as a startup "-c name=value" does; SET 'a,b' would make a list
        // setting such as search_path one element named "a,b"
        StringBuilder sets = null;
        for (Map.Entry<String, String> e : values.entrySet()) {
            String name = e.getKey();
            if (!settable(name) || e.getValue().equals(server.get(name))) {
                continue;
            }
            sets = sets == null ? new StringBuilder("SELECT ") : sets.append(", ");
            sets.append("pg_catalog.set_config(").append(quoteLiteral(name)).append(", ")
                    .append(quoteLiteral(e.getValue())).append(", false)");
        }
        StringBuilder sql = sets;
        for (String name : server.keySet()) {
            if (!values.containsKey(name) && settable(name) && (reported == null || !reported.containsKey(name))) {
                sql = (sql == null ? new StringBuilder() : sql.append("; ")).append("RESET ").append(quoteIdent(name));
            }
        }
        return sql == null ? null : sql.toString();
    }

    static String quoteIdent(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    static String quoteLiteral(String s) {
        String q = "'" + s.replace("'", "''") + "'";
        // with standard_conforming_strings off a plain literal would treat backslashes as escapes
        return s.indexOf('\\') >= 0 ? "E" + q.replace("\\", "\\\\") : q;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSet p && p.hash == hash && p.values.equals(values);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
