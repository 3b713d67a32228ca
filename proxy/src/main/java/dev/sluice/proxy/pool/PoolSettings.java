// The settings one pool runs with, resolved once from the global, database and user entries.
package dev.sluice.proxy.pool;

import dev.sluice.config.PoolMode;

/** Durations are in nanoseconds (0 = off) because the janitor compares them with System.nanoTime(). */
public record PoolSettings(
        PoolMode mode,
        int poolSize,
        int minPoolSize,
        int reservePoolSize,
        long reservePoolTimeoutNanos,
        long queryWaitTimeoutNanos,
        long serverLifetimeNanos,
        long serverIdleTimeoutNanos,
        long serverLoginRetryNanos,
        long serverConnectTimeoutMillis,
        String serverResetQuery,
        boolean serverResetQueryAlways,
        long crossLoopSlackNanos,
        int maxMessageLength,
        int maxPreparedStatements,
        long serverLifetimeJitterNanos,
        long serverCheckDelayNanos,
        String serverCheckQuery,
        int maxWaitingClients) {
}
