// Reconnect backoff after failed server connects: exponential with jitter, bounded by server_login_retry.
package dev.sluice.proxy.pool;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The first retry comes after about {@link #FIRST_NANOS} so a database that restarts in a second is used again
 * within a second; each further failure doubles the wait up to server_login_retry. "Equal jitter" (half fixed,
 * half random) keeps a fleet of poolers from retrying in step while never retrying sooner than half the wait.
 */
final class Backoff {
    static final long FIRST_NANOS = 100_000_000L;

    private Backoff() {
    }

    /** The wait after the {@code failures}-th failure in a row (1 = first). */
    static long delayNanos(int failures, long maxNanos) {
        if (maxNanos <= 0) {
            return 0;
        }
        int shift = Math.min(Math.max(failures - 1, 0), 30);
        long d = Math.min(maxNanos, FIRST_NANOS << shift);
        long half = d / 2;
        return half + ThreadLocalRandom.current().nextLong(d - half + 1);
    }
}
