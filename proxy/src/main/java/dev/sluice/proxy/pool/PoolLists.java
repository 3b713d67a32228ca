// Herding connections between lists happens here: a pool's lists, and the one method that moves between them.
package dev.sluice.proxy.pool;

import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.server.ServerConnection;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Each state of {@link ServerState} and each logged-in state of {@link ClientState} is one list here. Idle
 * servers and waiting clients are kept per event loop (see {@link Pool}). The lists are guarded by the pool's
 * monitor, which is the {@link Pool} object, not this one: the methods here take it ({@code synchronized
 * (pool)}) exactly as they did when they were Pool's own synchronized methods, and fields are read with it held.
 */
final class PoolLists {
    private final Pool pool;

    final ArrayDeque<ServerConnection>[] idle;
    final ArrayDeque<ClientConnection>[] waiting;
    final Set<ServerConnection> login = newSet();
    final Set<ServerConnection> testing = newSet();
    final Set<ServerConnection> active = newSet();
    final Set<ServerConnection> used = newSet();
    final Set<ClientConnection> clients = newSet();
    int waitingCount;
    int idleCount;
    /**
     * Logins decided under the monitor whose server has not joined {@link #login} yet: the launch itself runs
     * outside the monitor, and without this count a decision on another loop in between would open one too many.
     */
    int launching;

    @SuppressWarnings("unchecked")
    PoolLists(Pool pool, int loops) {
        this.pool = pool;
        this.idle = new ArrayDeque[loops];
        this.waiting = new ArrayDeque[loops];
        for (int i = 0; i < loops; i++) {
            idle[i] = new ArrayDeque<>();
            waiting[i] = new ArrayDeque<>();
        }
    }

    // ------------------------------------------------------------------ joining and leaving

    /** See {@link Pool#addClient}. */
    void addClient(ClientConnection c) {
        synchronized (pool) {
            clients.add(c);
            c.state(ClientState.IDLE);
        }
    }

    /** See {@link Pool#removeClient}. */
    void removeClient(ClientConnection c) {
        synchronized (pool) {
            if (c.state() == ClientState.WAITING) {
                changeState(c, ClientState.IDLE);
            }
            clients.remove(c);
            c.state(ClientState.CLOSED);
        }
    }

    /**
     * {@code n} servers are to be launched (monitor held): they count towards pool_size and the db/user limits
     * from this moment, not from when each one is created.
     */
    void launchDecided(int n) {
        launching += n;
        pool.stats().launches += n;
        for (int i = 0; i < n; i++) {
            pool.limits.serverOpened();
        }
    }

    /** See {@link Pool#addServer}: a launch decided by {@link #launchDecided} starts. */
    void addServer(ServerConnection s) {
        synchronized (pool) {
            launching--;
            login.add(s);
            s.state(ServerState.LOGIN);
        }
    }

    // ------------------------------------------------------------------ the state machine

    /** The only place a server moves between lists. */
    void changeState(ServerConnection s, ServerState next) {
        synchronized (pool) {
            ServerState prev = s.state();
            if (prev == next) {
                return;
            }
            if (prev == ServerState.CLOSED) {
                throw new IllegalStateException("server " + s.id() + " is closed; cannot become " + next);
            }
            switch (prev) {
                case LOGIN -> login.remove(s);
                case TESTING -> testing.remove(s);
                case IDLE -> {
                    idle[s.loopIndex()].remove(s);
                    idleCount--;
                }
                case ACTIVE -> active.remove(s);
                case USED -> used.remove(s);
                default -> { }
            }
            switch (next) {
                case LOGIN -> login.add(s);
                case TESTING -> testing.add(s);
                case IDLE -> {
                    idle[s.loopIndex()].push(s); // LIFO: hot servers stay hot, extra ones age out
                    idleCount++;
                    s.idleSinceNanos(Clock.now());
                }
                case ACTIVE -> active.add(s);
                case USED -> used.add(s);
                default -> { }
            }
            s.state(next);
        }
    }

    /** The only place a logged-in client moves between lists. */
    void changeState(ClientConnection c, ClientState next) {
        synchronized (pool) {
            ClientState prev = c.state();
            if (prev == next) {
                return;
            }
            if (prev == ClientState.WAITING) {
                waiting[c.loopIndex()].remove(c);
                waitingCount--;
            }
            if (next == ClientState.WAITING) {
                waiting[c.loopIndex()].addLast(c);
                waitingCount++;
            }
            c.state(next);
        }
    }

    /** Servers in any list, and those decided but not yet created (monitor held). */
    int total() {
        return launching + login.size() + testing.size() + active.size() + used.size() + idleCount;
    }

    private static <T> Set<T> newSet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }
}
