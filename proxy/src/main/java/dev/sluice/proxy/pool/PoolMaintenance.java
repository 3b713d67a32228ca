// The janitor's work on one pool: wait limits, server lifetimes and idle timeouts, stuck logins and checks, reserve and minimum servers.
package dev.sluice.proxy.pool;

import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.server.ServerConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** Decides under the pool's monitor, then acts (fails clients, closes and opens servers) outside it. */
final class PoolMaintenance {
    private PoolMaintenance() {
    }

    /** One janitor pass over {@code pool}. */
    static void run(Pool pool, long now) {
        List<ClientConnection> expired = new ArrayList<>();
        List<ServerConnection> retire = new ArrayList<>();
        List<ServerConnection> stuck = new ArrayList<>();
        List<ServerConnection> failedChecks = new ArrayList<>();
        long connectLimit = pool.settings().serverConnectTimeoutMillis() * 1_000_000L;
        long waitLimit = pool.settings().queryWaitTimeoutNanos();
        long lifetime = pool.settings().serverLifetimeNanos();
        long idleLimit = pool.settings().serverIdleTimeoutNanos();
        boolean launchReserve = false;
        int grow;
        synchronized (pool) {
            for (ArrayDeque<ClientConnection> q : pool.lists.waiting) {
                for (ClientConnection c : q) {
                    long waited = now - c.waitStartNanos();
                    if (waitLimit > 0 && waited > waitLimit) {
                        expired.add(c);
                    } else if (pool.settings().reservePoolSize() > 0 && waited > pool.settings().reservePoolTimeoutNanos()) {
                        launchReserve = true;
                    }
                }
            }
            for (ClientConnection c : expired) {
                pool.lists.changeState(c, ClientState.IDLE);
            }
            int keep = pool.settings().minPoolSize();
            int total = pool.lists.total();
            for (ArrayDeque<ServerConnection> q : pool.lists.idle) {
                for (ServerConnection s : q) {
                    boolean old = lifetime > 0 && now - s.createdNanos() > s.lifetimeNanos();
                    boolean unused = idleLimit > 0 && now - s.idleSinceNanos() > idleLimit && total > keep;
                    if (old || unused) {
                        retire.add(s);
                        total--;
                    }
                }
            }
            // after a reload shrank the pool (or drained it): close idle servers beyond its size, oldest last used first
            int excess = pool.excessServers() - retire.size();
            for (int i = pool.lists.idle.length - 1; excess > 0 && i >= 0; i--) {
                for (java.util.Iterator<ServerConnection> it = pool.lists.idle[i].descendingIterator();
                        excess > 0 && it.hasNext(); ) {
                    ServerConnection s = it.next();
                    if (!retire.contains(s)) {
                        retire.add(s);
                        excess--;
                    }
                }
            }
            for (ServerConnection s : retire) {
                pool.lists.changeState(s, ServerState.USED);
            }
            if (connectLimit > 0) {
                // a login or a health check that never gets an answer (a black-holed backend) ends here
                for (ServerConnection s : pool.lists.login) {
                    if (now - s.createdNanos() > connectLimit) {
                        stuck.add(s);
                    }
                }
                for (ServerConnection s : pool.lists.testing) {
                    long started = s.checkStartedNanos();
                    if (started != 0 && now - started > connectLimit) {
                        failedChecks.add(s);
                    }
                }
            }
            grow = pool.pauseMode() == PauseMode.NONE ? launchesForWaiters(pool) : 0; // a paused pool opens nothing
            if (launchReserve && canLaunchReserve(pool) && pool.pauseMode() == PauseMode.NONE) {
                pool.lists.launchDecided(1);
            } else {
                launchReserve = false;
            }
        }
        String limit = pool.limits.reached();
        for (ClientConnection c : expired) {
            c.failFromPool(dev.sluice.protocol.SqlState.TOO_MANY_CONNECTIONS,
                    "query_wait_timeout: no server connection became free in pool " + pool.key() + " (pool_size="
                            + pool.settings().poolSize() + (limit != null ? ", " + limit + " reached" : "")
                            + ") after waiting " + (now - c.waitStartNanos()) / 1_000_000 + " ms",
                    DisconnectReason.QUERY_WAIT_TIMEOUT);
        }
        for (ServerConnection s : retire) {
            s.closeAsync(now - s.createdNanos() > s.lifetimeNanos() && lifetime > 0 ? DisconnectReason.SERVER_LIFETIME
                    : now - s.idleSinceNanos() > idleLimit && idleLimit > 0 ? DisconnectReason.SERVER_IDLE_TIMEOUT
                    : DisconnectReason.RELOAD);
        }
        for (int i = 0; i < grow; i++) {
            ServerConnection.launch(pool, pool.loops().next());
        }
        for (ServerConnection s : stuck) {
            s.loginTimedOut(pool.settings().serverConnectTimeoutMillis());
        }
        for (ServerConnection s : failedChecks) {
            s.closeAsync(DisconnectReason.SERVER_CHECK_FAILED);
        }
        if (launchReserve) {
            ServerConnection.launch(pool, pool.loops().next());
        }
        refill(pool);
    }

    /**
     * Logins to start for clients that wait while the pool is below its size, e.g. after a reload made it
     * bigger (acquire only launches at the moment a client starts waiting). Counted as launches. Monitor held.
     */
    private static int launchesForWaiters(Pool pool) {
        if (!pool.limits.mayOpen()
                || (pool.lastFailure() != null && !pool.lastFailure().retryAllowed(System.nanoTime()))) {
            return 0;
        }
        PoolLists lists = pool.lists;
        int n = Math.max(0,
                Math.min(lists.waitingCount - lists.login.size() - lists.launching,
                        pool.settings().poolSize() - lists.total()));
        lists.launchDecided(n);
        return n;
    }

    /** A reserve server may open: below pool_size + reserve_pool_size, no login in flight, within the limits. */
    private static boolean canLaunchReserve(Pool pool) {
        return pool.lists.total() < pool.settings().poolSize() + pool.settings().reservePoolSize()
                && pool.lists.login.isEmpty() && pool.lists.launching == 0 && pool.limits.mayOpen();
    }

    /** Keeps min_pool_size servers open (only once a login has worked, so a dead backend is not hammered). */
    static void refill(Pool pool) {
        int need;
        synchronized (pool) {
            if (pool.welcome() == null || pool.lastFailure() != null || pool.pauseMode() == PauseMode.PAUSE) {
                return;
            }
            need = Math.min(pool.settings().minPoolSize(), pool.settings().poolSize()) - pool.lists.total();
            if (need > 0 && !pool.limits.mayOpen()) {
                need = 0;
            }
            need = Math.max(need, 0);
            pool.lists.launchDecided(need);
        }
        for (int i = 0; i < need; i++) {
            ServerConnection.launch(pool, pool.loops().next());
        }
    }
}
