// The statements one server has prepared, least recently used first, bounded by max_prepared_statements.
package dev.sluice.proxy.prepared;

import java.util.Iterator;
import java.util.LinkedHashMap;

/** Touched only on the server's event loop. */
public final class ServerStatements {
    private final int max;
    private final LinkedHashMap<Statement, Boolean> prepared = new LinkedHashMap<>(16, 0.75f, true);

    public ServerStatements(int max) {
        this.max = max;
    }

    /** True when prepared; marks it most recently used. */
    boolean has(Statement s) {
        return prepared.get(s) != null;
    }

    /** Records {@code s} as prepared; returns the least recently used one to close when over the limit. */
    Statement add(Statement s) {
        prepared.put(s, Boolean.TRUE);
        if (prepared.size() <= max) {
            return null;
        }
        Iterator<Statement> it = prepared.keySet().iterator();
        Statement eldest = it.next();
        it.remove();
        return eldest;
    }

    /** A Close that PostgreSQL skipped: the statement is still there. */
    void restore(Statement s) {
        prepared.put(s, Boolean.TRUE);
    }

    void remove(Statement s) {
        prepared.remove(s);
    }

    /** The server dropped everything (DISCARD ALL, DEALLOCATE ALL). */
    public void clear() {
        prepared.clear();
    }

    public int size() {
        return prepared.size();
    }
}
