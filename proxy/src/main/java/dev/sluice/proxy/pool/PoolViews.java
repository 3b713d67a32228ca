// Counts and snapshots of one pool's lists, for SHOW commands, metrics, the janitor and tests.
package dev.sluice.proxy.pool;

import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.server.ServerConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Each view is taken under the pool's monitor so that it is consistent. The monitor is the {@link Pool} object
 * itself ({@code synchronized (pool)}), as when these were Pool's own synchronized methods; the copies returned
 * are the caller's, read without it.
 */
final class PoolViews {
    private final Pool pool;
    private final PoolLists lists;

    PoolViews(Pool pool) {
        this.pool = pool;
        this.lists = pool.lists;
    }

    Pool.Counts counts() {
        synchronized (pool) {
            return new Pool.Counts(lists.clients.size() - lists.waitingCount, lists.waitingCount, lists.active.size(),
                    lists.idleCount, lists.used.size(), lists.login.size(), lists.testing.size());
        }
    }

    List<ServerConnection> idleServers() {
        synchronized (pool) {
            List<ServerConnection> out = new ArrayList<>(lists.idleCount);
            for (ArrayDeque<ServerConnection> q : lists.idle) {
                out.addAll(q);
            }
            return out;
        }
    }

    List<ClientConnection> clientList() {
        synchronized (pool) {
            return new ArrayList<>(lists.clients);
        }
    }

    List<ServerConnection> serverList() {
        synchronized (pool) {
            List<ServerConnection> out = new ArrayList<>(lists.active);
            for (ArrayDeque<ServerConnection> q : lists.idle) {
                out.addAll(q);
            }
            out.addAll(lists.used);
            out.addAll(lists.testing);
            out.addAll(lists.login);
            return out;
        }
    }

    int clientsLinked() {
        synchronized (pool) {
            int n = 0;
            for (ClientConnection c : lists.clients) {
                n += c.state() == ClientState.ACTIVE ? 1 : 0;
            }
            return n;
        }
    }

    long maxWaitNanos(long now) {
        synchronized (pool) {
            long oldest = 0;
            for (ArrayDeque<ClientConnection> q : lists.waiting) {
                ClientConnection c = q.peekFirst();
                if (c != null && (oldest == 0 || now - c.waitStartNanos() > oldest)) {
                    oldest = now - c.waitStartNanos();
                }
            }
            return oldest;
        }
    }
}
