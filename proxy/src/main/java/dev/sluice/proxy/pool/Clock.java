// A coarse monotonic clock the janitor advances each tick, so the data path can stamp times without a syscall.
package dev.sluice.proxy.pool;

/**
 * {@link System#nanoTime()} as of the last janitor tick (of any Sluice in this JVM), at most one tick
 * ({@code Janitor.PERIOD_MILLIS}) behind. Connections store it on the hot path (a volatile read, no clock call);
 * the janitor compares those stamps with the value it set, so every timeout is exact to one tick.
 */
public final class Clock {
    private static volatile long now = System.nanoTime();

    private Clock() {
    }

    public static long now() {
        return now;
    }

    /** Advances the clock; called by the janitor at the start of each tick. */
    public static long tick() {
        long t = System.nanoTime();
        now = t;
        return t;
    }
}
