// Counters of one pool's events, read by SHOW commands, metrics and the stats log line.
package dev.sluice.proxy.pool;

import dev.sluice.proxy.metrics.Buckets;
import java.util.concurrent.atomic.LongAdder;

/**
 * Plain long fields are written under the pool monitor; LongAdders and {@link Buckets} are written from any
 * event loop without a lock. Readers (scrapes, SHOW, the janitor) tolerate a slightly stale value.
 */
public final class PoolStats {
    /** Client-server links made (PgBouncer's server_assignment_count). */
    public long links;
    /** Links where the server had to move to the client's event loop. */
    public long handoffs;
    /** Server connections started. */
    public long launches;
    /** Server connects or logins that failed. */
    public long connectFailures;
    /** Clients that logged in to this pool. */
    public final LongAdder clientLogins = new LongAdder();
    /** Bytes read from clients of this pool. */
    public final LongAdder received = new LongAdder();
    /** Bytes read from this pool's servers (and so sent on to clients). */
    public final LongAdder sent = new LongAdder();
    /** First message of a transaction to server assigned. */
    public final Buckets waitTime = new Buckets();
    /** Server linked to server released (one transaction in transaction mode). */
    public final Buckets xactTime = new Buckets();
    /** Request sent to its ReadyForQuery. */
    public final Buckets queryTime = new Buckets();
    /** Connect and login to PostgreSQL. */
    public final Buckets connectTime = new Buckets();
    /** Prepared statements found on the server already. */
    public final LongAdder preparedHits = new LongAdder();
    /** Prepared statements the server had to be sent (Parse injected). */
    public final LongAdder preparedMisses = new LongAdder();
    /** Binds of named prepared statements (PgBouncer's bind_count). */
    public final LongAdder preparedBinds = new LongAdder();
    /** Prepared statements closed on a server to stay within max_prepared_statements. */
    public final LongAdder preparedEvictions = new LongAdder();
}
