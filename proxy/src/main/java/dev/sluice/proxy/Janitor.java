// Periodic maintenance: the one place that owns time (wait limits, server lifetimes, client timeouts, login timeouts, drain).
package dev.sluice.proxy;

import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.client.Lifecycle;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every {@link #PERIOD_MILLIS} ms (PgBouncer's janitor runs 3 times a second) on one event loop. Each tick
 * advances {@link Clock} first, so connections stamp times without reading the clock themselves and every
 * timeout is exact to one tick. No connection has a timer of its own.
 */
final class Janitor implements Runnable {
    static final long PERIOD_MILLIS = 200;
    private static final Logger log = LoggerFactory.getLogger(Janitor.class);
    private final Proxy proxy;
    private ScheduledFuture<?> task;

    Janitor(Proxy proxy) {
        this.proxy = proxy;
    }

    void start() {
        Clock.tick(); // stamps taken before the first tick must not be those of an earlier Sluice in this JVM
        task = proxy.loops().get(0).scheduleWithFixedDelay(this, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    @Override
    public void run() {
        try {
            long now = Clock.tick();
            boolean draining = proxy.draining();
            List<Pool> pools = proxy.pools().all();
            for (Pool pool : pools) {
                pool.maintain(now);
                // per tick and pool: follows a reloaded config and the pool user's [users] timeouts
                Lifecycle.scan(pool, now, Lifecycle.Limits.of(proxy.config(), pool.key().user()), draining);
            }
            loginTimeouts(now, draining);
            proxy.connector().expireCancels(now, proxy.config().cancelWaitTimeout().toNanos());
            proxy.drain().tick(now);
            proxy.statsReporter().tick(pools, now, proxy.config().statsPeriod().toNanos(),
                    proxy.config().poolUtilizationWarn());
        } catch (RuntimeException e) {
            log.error("janitor run failed", e); // keep running: the next tick retries
        }
    }

    private void loginTimeouts(long now, boolean draining) {
        long loginLimit = proxy.config().clientLoginTimeout().toNanos();
        if (loginLimit <= 0 && !draining) {
            return;
        }
        for (Map.Entry<ClientConnection, Long> e : proxy.loggingIn().entrySet()) {
            if (draining) {
                proxy.loginFinished(e.getKey());
                Lifecycle.terminate(e.getKey(), DisconnectReason.SHUTDOWN);
            } else if (now - e.getValue() > loginLimit) {
                proxy.loginFinished(e.getKey());
                e.getKey().failFromPool(SqlState.PROTOCOL_VIOLATION,
                        "client_login_timeout: login not finished within "
                                + proxy.config().clientLoginTimeout().toMillis() + " ms",
                        DisconnectReason.CLIENT_LOGIN_TIMEOUT);
            }
        }
    }
}
