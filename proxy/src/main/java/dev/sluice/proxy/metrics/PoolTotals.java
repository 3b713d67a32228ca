// A point-in-time copy of one pool's (or one database's) cumulative counters, in PgBouncer's SHOW STATS units.
package dev.sluice.proxy.metrics;

import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolStats;

/** Times are microseconds and bytes are bytes, as PgBouncer reports them; {@link #minus} gives a period's share. */
public record PoolTotals(long serverAssignments, long xacts, long queries, long received, long sent, long xactMicros,
                         long queryMicros, long waitMicros, long clientParses, long serverParses, long binds,
                         long clientLogins) {
    public static final PoolTotals ZERO = new PoolTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public static PoolTotals of(Pool pool) {
        PoolStats s = pool.stats();
        long misses = s.preparedMisses.sum();
        return new PoolTotals(s.links, s.xactTime.count(), s.queryTime.count(), s.received.sum(), s.sent.sum(),
                s.xactTime.sumMicros(), s.queryTime.sumMicros(), s.waitTime.sumMicros(),
                s.preparedHits.sum() + misses, misses, s.preparedBinds.sum(), s.clientLogins.sum());
    }

    public PoolTotals plus(PoolTotals o) {
        return new PoolTotals(serverAssignments + o.serverAssignments, xacts + o.xacts, queries + o.queries,
                received + o.received, sent + o.sent, xactMicros + o.xactMicros, queryMicros + o.queryMicros,
                waitMicros + o.waitMicros, clientParses + o.clientParses, serverParses + o.serverParses,
                binds + o.binds, clientLogins + o.clientLogins);
    }

    public PoolTotals minus(PoolTotals o) {
        return new PoolTotals(serverAssignments - o.serverAssignments, xacts - o.xacts, queries - o.queries,
                received - o.received, sent - o.sent, xactMicros - o.xactMicros, queryMicros - o.queryMicros,
                waitMicros - o.waitMicros, clientParses - o.clientParses, serverParses - o.serverParses,
                binds - o.binds, clientLogins - o.clientLogins);
    }

    /**
     * PgBouncer's averages over a period of {@code seconds}: counts and bytes per second, times per event
     * (xact time per transaction, query time per query, wait time per server assignment).
     */
    public long[] averages(double seconds) {
        double s = seconds <= 0 ? 1 : seconds;
        return new long[] {
            Math.round(serverAssignments / s), Math.round(xacts / s), Math.round(queries / s),
            Math.round(received / s), Math.round(sent / s),
            xacts > 0 ? xactMicros / xacts : 0, queries > 0 ? queryMicros / queries : 0,
            serverAssignments > 0 ? waitMicros / serverAssignments : 0,
            Math.round(clientParses / s), Math.round(serverParses / s), Math.round(binds / s),
            Math.round(clientLogins / s)};
    }
}
