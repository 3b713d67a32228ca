// The admin console's actions on one pool (PAUSE, SUSPEND, RESUME, RECONNECT, WAIT_CLOSE, KILL), PgBouncer's meaning.
package dev.sluice.proxy.pool;

import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.server.ServerConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** As PoolMaintenance: decides under the pool's monitor, then closes and links outside it. */
public final class PoolAdmin {
    private PoolAdmin() {
    }

    /**
     * PAUSE: no server is handed out; servers are closed as their transactions end (idle ones now).
     * SUSPEND: no server is handed out; servers stay open.
     */
    public static void pause(Pool pool, PauseMode mode) {
        List<ServerConnection> close = new ArrayList<>();
        synchronized (pool) {
            pool.pauseMode(mode);
            if (mode == PauseMode.PAUSE) {
                close.addAll(takeAllIdle(pool));
            }
        }
        close.forEach(s -> s.closeAsync(DisconnectReason.ADMIN));
    }

    /**
     * RESUME: serves the clients that waited meanwhile as a release or login would (an idle server, after its
     * health check when due; else a new login within pool_size), one waiter per step.
     */
    public static void resume(Pool pool) {
        int waiting;
        synchronized (pool) {
            pool.pauseMode(PauseMode.NONE);
            waiting = pool.lists.waitingCount;
        }
        for (int i = 0; i < waiting; i++) {
            pool.serveWaiters();
        }
    }

    /** RECONNECT / WAIT_CLOSE: every current server is closed once it is not in use; idle ones now. */
    public static void closeAllWhenFree(Pool pool) {
        List<ServerConnection> close;
        synchronized (pool) {
            for (ServerConnection s : pool.serverList()) {
                s.closeNeeded(true);
            }
            close = takeAllIdle(pool);
        }
        close.forEach(s -> s.closeAsync(DisconnectReason.ADMIN));
    }

    /** Servers still open that RECONNECT or WAIT_CLOSE marked for closing. */
    public static int closePending(Pool pool) {
        int n = 0;
        for (ServerConnection s : pool.serverList()) {
            n += s.closeNeeded() ? 1 : 0;
        }
        return n;
    }

    /** KILL: drops every client and server of the pool right away. */
    public static void kill(Pool pool, String message) {
        List<ClientConnection> clients = pool.clientList();
        for (ClientConnection c : clients) {
            c.failFromPool(SqlState.ADMIN_SHUTDOWN, message, DisconnectReason.ADMIN);
        }
        for (ServerConnection s : pool.serverList()) {
            s.closeAsync(DisconnectReason.ADMIN);
        }
    }

    /** Idle servers moved to USED for closing (monitor held). */
    private static List<ServerConnection> takeAllIdle(Pool pool) {
        List<ServerConnection> out = new ArrayList<>();
        for (ArrayDeque<ServerConnection> q : pool.lists.idle) {
            out.addAll(q);
        }
        for (ServerConnection s : out) {
            pool.lists.changeState(s, ServerState.USED);
        }
        return out;
    }
}
