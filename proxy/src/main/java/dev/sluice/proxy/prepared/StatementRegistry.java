// Interns prepared statements by (query, parameter types) so each text is stored once for all clients.
package dev.sluice.proxy.prepared;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Reference counted by client maps: a statement no client holds is forgotten (servers may keep a copy). */
public final class StatementRegistry {
    private record Key(String query, int[] types) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.query.equals(query) && Arrays.equals(k.types, types);
        }

        @Override
        public int hashCode() {
            return query.hashCode() * 31 + Arrays.hashCode(types);
        }
    }

    private final ConcurrentHashMap<Key, Statement> byKey = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** The statement for this text and types, with one more reference. */
    Statement acquire(String query, int[] types) {
        Key key = new Key(query, types);
        Statement s = byKey.computeIfAbsent(key, k -> new Statement("sluice_" + ids.incrementAndGet(), query, types));
        s.refs.incrementAndGet();
        return s;
    }

    /**
     * After PostgreSQL found {@code s}'s plan stale (its result type changed): the same text gets a new
     * server name from now on, so the client that saw the error re-prepares fresh while every server copy of
     * {@code s} stays stale and fails for the other clients too, as each would on its own session.
     * Returns the replacement with one reference taken.
     */
    Statement renew(Statement s) {
        Key key = new Key(s.query(), s.paramTypes());
        Statement fresh = byKey.compute(key, (k, cur) -> cur == null || cur == s
                ? new Statement("sluice_" + ids.incrementAndGet(), s.query(), s.paramTypes()) : cur);
        fresh.refs.incrementAndGet();
        return fresh;
    }

    /** Drops a reference; the last one removes the statement from the registry. */
    void release(Statement s) {
        if (s.refs.decrementAndGet() == 0) {
            byKey.values().remove(s);
        }
    }

    public int size() {
        return byKey.size();
    }
}
