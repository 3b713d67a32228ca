// A fixed-bucket latency histogram cheap enough for the relay path: one LongAdder per bucket, read at scrape.
package dev.sluice.proxy.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Twelve explicit upper bounds from 0.5 ms to 30 s (Micrometer's default would be ~70 buckets per pool).
 * Recording is a dozen comparisons and two LongAdder adds: no allocation, no lock, safe from any event loop.
 */
public final class Buckets {
    /** Upper bounds in seconds, as exported in {@code le}; +Inf is implicit. */
    public static final double[] BOUNDS_SECONDS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30};
    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    private final LongAdder[] counts = new LongAdder[BOUNDS_SECONDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    public Buckets() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void record(long nanos) {
        if (nanos < 0) {
            nanos = 0;
        }
        int i = 0;
        while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
            i++;
        }
        counts[i].increment();
        sumNanos.add(nanos);
    }

    /** Per-bucket (not cumulative) counts, the last one for +Inf. */
    public long[] counts() {
        long[] out = new long[counts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts[i].sum();
        }
        return out;
    }

    public long count() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }

    public long sumNanos() {
        return sumNanos.sum();
    }

    /** Sum in microseconds, as PgBouncer's SHOW STATS reports times. */
    public long sumMicros() {
        return sumNanos.sum() / 1000;
    }
}
