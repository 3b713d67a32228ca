// A client's prepared statements: its own names mapped to the shared statements.
package dev.sluice.proxy.prepared;

import java.util.HashMap;
import java.util.Map;

/** Touched only on the client's event loop. */
public final class ClientStatements {
    /** A client preparing more than this is refused (PostgreSQL itself has no limit, but memory must be bounded). */
    public static final int MAX_PER_CLIENT = 10_000;

    private final StatementRegistry registry;
    private final Map<String, Statement> byName = new HashMap<>();

    public ClientStatements(StatementRegistry registry) {
        this.registry = registry;
    }

    Statement get(String name) {
        return byName.get(name);
    }

    public int size() {
        return byName.size();
    }

    /** Binds {@code name}, taking over the caller's reference to {@code s}. */
    void put(String name, Statement s) {
        Statement old = byName.put(name, s);
        if (old != null) {
            registry.release(old);
        }
    }

    /** Binds {@code name} to {@code s}, taking a new reference. */
    void putShared(String name, Statement s) {
        s.refs.incrementAndGet();
        put(name, s);
    }

    Statement remove(String name) {
        Statement s = byName.remove(name);
        if (s != null) {
            registry.release(s);
        }
        return s;
    }

    /** Removes {@code name} only while it still means {@code s}. */
    void removeIf(String name, Statement s) {
        if (byName.get(name) == s) {
            remove(name);
        }
    }

    public void clear() {
        for (Statement s : byName.values()) {
            registry.release(s);
        }
        byName.clear();
    }
}
