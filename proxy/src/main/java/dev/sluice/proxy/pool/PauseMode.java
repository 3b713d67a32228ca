// Admin console PAUSE and SUSPEND: whether a pool hands out servers, and what happens to released ones.
package dev.sluice.proxy.pool;

/** As PgBouncer's cf_pause_mode, per pool. */
public enum PauseMode {
    /** Normal operation. */
    NONE,
    /** PAUSE: waiting clients stay waiting; servers close as their transactions end. */
    PAUSE,
    /** SUSPEND: waiting clients stay waiting; servers stay open and idle. */
    SUSPEND
}
