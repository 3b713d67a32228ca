// Counters of one pool's events, read by SHOW commands and metrics; written under the pool's monitor.
package dev.sluice.proxy.pool;

/** Plain fields: writers hold the pool monitor; readers tolerate a slightly stale value. */
public final class PoolStats {
    /** Client-server links made. */
    public long links;
    /** Links where the server had to move to the client's event loop. */
    public long handoffs;
    /** Server connections started. */
    public long launches;
    /** Server connects or logins that failed. */
    public long connectFailures;
}
