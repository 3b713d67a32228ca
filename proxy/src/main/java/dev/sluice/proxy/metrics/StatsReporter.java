// The periodic stats line per pool, SHOW STATS averages, and the rate-limited utilisation and wait warnings.
package dev.sluice.proxy.metrics;

import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driven by the Janitor (the one owner of time) on its event loop; {@link #periodTotals} is read by SHOW STATS
 * from other loops. Warnings are checked once a second and at most one is logged per pool per minute.
 */
public final class StatsReporter {
    private static final Logger log = LoggerFactory.getLogger("dev.sluice.stats");
    private static final long SECOND = 1_000_000_000L;
    private static final long MINUTE = 60 * SECOND;
    /** Buckets of {@link Buckets#BOUNDS_SECONDS} above 1 s: (1, 5], (5, 30], (30, +Inf). */
    private static final int FIRST_BUCKET_OVER_ONE_SECOND = 10;

    private long periodStart;
    private long lastCheck;
    /** Totals at the start of the current period, and the previous period's share (for SHOW STATS avg_*). */
    private final Map<PoolKey, PoolTotals> atPeriodStart = new HashMap<>();
    private volatile Map<PoolKey, PoolTotals> lastPeriod = Map.of();
    private volatile double lastPeriodSeconds = 1;
    private final Map<PoolKey, Watch> watches = new ConcurrentHashMap<>();

    /** Per pool: since when it has been over the utilisation threshold, and when it last warned. */
    private static final class Watch {
        long aboveSince;
        long lastWarn = Long.MIN_VALUE / 2;
        long slowWaitsSeen;
    }

    public StatsReporter(long now) {
        this.periodStart = now;
        this.lastCheck = now;
    }

    /** One janitor tick, with stats_period and pool_utilization_warn as configured now (a reload applies). */
    public void tick(List<Pool> pools, long now, long periodNanos, double warnRatio) {
        if (now - lastCheck >= SECOND) {
            lastCheck = now;
            for (Pool p : pools) {
                checkWarnings(p, now, warnRatio);
            }
        }
        if (periodNanos > 0 && now - periodStart >= periodNanos) {
            endPeriod(pools, now);
        }
    }

    /** Each pool's share of the last full stats_period, and that period's length. */
    public Map<PoolKey, PoolTotals> periodTotals() {
        return lastPeriod;
    }

    public double periodSeconds() {
        return lastPeriodSeconds;
    }

    private void endPeriod(List<Pool> pools, long now) {
        double seconds = (now - periodStart) / 1e9;
        Map<PoolKey, PoolTotals> share = new HashMap<>();
        for (Pool p : pools) {
            PoolTotals cur = PoolTotals.of(p);
            PoolTotals delta = cur.minus(atPeriodStart.getOrDefault(p.key(), PoolTotals.ZERO));
            atPeriodStart.put(p.key(), cur);
            share.put(p.key(), delta);
            Pool.Counts c = p.counts();
            int inUse = c.serversActive() + c.serversUsed();
            long[] avg = delta.averages(seconds);
            log.info("stats: pool {}: {} xacts/s, {} queries/s, avg wait {} us, avg xact {} us, avg query {} us,"
                            + " in {} B/s, out {} B/s, utilization {}% ({}/{} servers in use, {} clients waiting)",
                    p.key(), avg[1], avg[2], avg[7], avg[5], avg[6], avg[3], avg[4],
                    Math.round(100.0 * inUse / p.settings().poolSize()), inUse, p.settings().poolSize(),
                    c.clientsWaiting());
        }
        lastPeriod = share;
        lastPeriodSeconds = seconds;
        periodStart = now;
    }

    private void checkWarnings(Pool p, long now, double warnRatio) {
        Watch w = watches.computeIfAbsent(p.key(), k -> new Watch());
        Pool.Counts c = p.counts();
        int size = p.settings().poolSize();
        int inUse = c.serversActive() + c.serversUsed();
        boolean above = warnRatio > 0 && inUse > warnRatio * size;
        if (!above) {
            w.aboveSince = 0;
        } else if (w.aboveSince == 0) {
            w.aboveSince = now;
        }
        long[] waits = p.stats().waitTime.counts();
        long slow = 0;
        for (int i = FIRST_BUCKET_OVER_ONE_SECOND; i < waits.length; i++) {
            slow += waits[i];
        }
        long maxWait = p.maxWaitNanos(now);
        boolean slowWaits = slow > w.slowWaitsSeen || maxWait > SECOND;
        String warning = null;
        if (above && now - w.aboveSince >= MINUTE) {
            warning = String.format("pool %s above %d%% of pool_size for %d s: %d of %d servers in use, %d clients"
                            + " waiting", p.key(), Math.round(warnRatio * 100), (now - w.aboveSince) / SECOND, inUse,
                    size, c.clientsWaiting());
        } else if (slowWaits) {
            warning = String.format("pool %s: clients waited more than 1 s for a server (%d such waits since the last"
                            + " warning, longest waiting now %d ms, %d of %d servers in use)", p.key(),
                    slow - w.slowWaitsSeen, maxWait / 1_000_000, inUse, size);
        }
        if (warning != null && now - w.lastWarn >= MINUTE) {
            w.lastWarn = now;
            w.slowWaitsSeen = slow;
            log.warn(warning);
        }
    }
}
