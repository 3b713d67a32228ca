// Herding connections between lists happens here: one pool per (database, user), its queues and its limits.
package dev.sluice.proxy.pool;

import dev.sluice.config.PoolMode;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.metrics.ProxyCounters;
import dev.sluice.proxy.prepared.StatementRegistry;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.ServerCheck;
import dev.sluice.proxy.server.ScramPassThrough;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.server.ServerConnector;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pool's lists ({@link PoolLists}) are guarded by the pool's monitor, which is this object; {@link
 * PoolLists#changeState} is the only code that moves a connection between them. Idle servers and waiting clients
 * are kept per event loop so that a client is linked to a server on its own thread whenever possible; a
 * cross-loop link moves the server's channel to the client's loop once (counted in {@link PoolStats#handoffs}).
 * Work on connections (linking, closing) is done outside the monitor, on the connection's own event loop.
 */
public final class Pool {
    private final PoolKey key;
    private volatile PoolSettings settings;
    final Limits limits;
    private final LoopSet loops;
    private final PoolStats stats = new PoolStats();
    private final Backend backend;
    private final ServerConnector connector;
    private final StatementRegistry statements;
    private final ProxyCounters counters;

    final PoolLists lists;
    private final PoolLogins logins;

    /** Set when a reload removed or re-pointed this pool: it serves the clients it has, then closes its servers. */
    private volatile boolean draining;
    /** Admin PAUSE/SUSPEND: no server is handed out; see {@link PauseMode}. */
    private volatile PauseMode pause = PauseMode.NONE;

    public Pool(PoolKey key, PoolSettings settings, Backend backend, ServerConnector connector, Limits limits,
                LoopSet loops, StatementRegistry statements, ProxyCounters counters) {
        this.statements = statements;
        this.counters = counters;
        this.key = key;
        this.backend = backend;
        this.connector = connector;
        this.settings = settings;
        this.limits = limits;
        this.loops = loops;
        this.lists = new PoolLists(this, loops.size());
        this.logins = new PoolLogins(this, backend);
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    /** A reload changed sizes or timeouts: the janitor grows or shrinks the pool towards them. */
    public void settings(PoolSettings next) {
        settings = next;
    }

    /** No new clients come here any more; existing ones keep working until they leave. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** A draining pool with no clients and no servers left can be forgotten. */
    public synchronized boolean drained() {
        return draining && lists.clients.isEmpty() && lists.total() == 0;
    }

    public PoolMode mode() {
        return settings.mode();
    }

    public Backend backend() {
        return backend;
    }

    /** Where the next server connects: the backend itself, or the next host of its list (round-robin). */
    public Backend nextBackend() {
        return logins.nextBackend();
    }

    /**
     * Prepared statements are rewritten in transaction and statement mode unless max_prepared_statements is
     * 0; session mode keeps a server per client and needs no rewriting.
     */
    public boolean rewritesPrepared() {
        return settings.mode() != PoolMode.SESSION && settings.maxPreparedStatements() > 0;
    }

    public StatementRegistry statementRegistry() {
        return statements;
    }

    public ServerConnector connector() {
        return connector;
    }

    public PoolStats stats() {
        return stats;
    }

    public Limits limits() {
        return limits;
    }

    public ProxyCounters counters() {
        return counters;
    }

    public LoopSet loops() {
        return loops;
    }

    /** Server ParameterStatus values from the first login: what a new client is told at its own login. */
    public Map<String, String> welcome() {
        return logins.welcome();
    }

    /** Keeps the first server login's ParameterStatus values; later calls change nothing. */
    public void welcome(Map<String, String> params) {
        logins.welcome(params);
    }

    /** A client login lends its SCRAM ClientKey so servers can log in without a plain password. */
    public void scramPassThrough(String clientUser, String secret, byte[] clientKey) {
        logins.scramPassThrough(clientUser, secret, clientKey);
    }

    /** auth_query found the secret of this pool's backend user: servers log in with it. */
    public void learnedSecret(String clientUser, String secret) {
        logins.learnedSecret(clientUser, secret);
    }

    /** The backend's configured secret, else the one auth_query found, else null. */
    public String serverSecret() {
        return logins.serverSecret();
    }

    public ScramPassThrough passThrough() {
        return logins.passThrough();
    }

    public ConnectFailure lastFailure() {
        return logins.lastFailure();
    }

    // ------------------------------------------------------------------ clients

    /** A client finished authentication for this pool. */
    public void addClient(ClientConnection c) {
        lists.addClient(c);
    }

    /**
     * The client has work. Returns an idle server of the client's own loop, now linked to it; otherwise null,
     * and {@link ClientConnection#linked} is called later on the client's loop (after moving a server from
     * another loop, or when one is released or logs in), or the client is failed.
     *
     * @throws PoolUnavailableException when the backend is known to be down and nothing could serve the client,
     *     or max_waiting_clients already wait
     */
    public ServerConnection acquire(ClientConnection c) {
        boolean launch = false;
        ServerConnection s;
        ServerConnection check = null;
        synchronized (this) {
            s = pause == PauseMode.NONE ? takeIdle(c.loopIndex()) : null;
            if (s != null && !needsCheck(s)) {
                link(c, s);
            } else {
                // the client waits: for a server's health check (idle servers are a stack, so if the newest needs
                // one, all do), for a login, or for a release
                long now = System.nanoTime();
                ConnectFailure failure = logins.lastFailure();
                if (s == null && failure != null && lists.total() == 0 && !failure.retryAllowed(now)) {
                    throw new PoolUnavailableException(failure, DisconnectReason.SERVER_LOGIN_FAILED);
                }
                int maxWaiting = settings.maxWaitingClients();
                if (maxWaiting > 0 && lists.waitingCount >= maxWaiting) {
                    throw new PoolUnavailableException(new ConnectFailure(SqlState.TOO_MANY_CONNECTIONS,
                            "max_waiting_clients: " + lists.waitingCount + " clients already wait for a server in "
                                    + this + " (pool_size=" + settings.poolSize() + ")", now),
                            DisconnectReason.MAX_WAITING_CLIENTS);
                }
                if (s != null) {
                    lists.changeState(s, ServerState.TESTING);
                    check = s;
                    s = null;
                }
                c.waitStartNanos(now);
                lists.changeState(c, ClientState.WAITING);
                if (check == null) {
                    launch = pause == PauseMode.NONE && canLaunch();
                    if (launch) {
                        stats.launches++;
                    }
                }
            }
        }
        if (s != null) {
            if (s.loopIndex() == c.loopIndex()) {
                return s;
            }
            dispatchLink(c, s);
            return null;
        }
        if (check != null) {
            ServerCheck.start(check);
        }
        if (launch) {
            ServerConnection.launch(this, loops.get(c.loopIndex()));
        }
        return null;
    }

    /**
     * Gives waiting clients what is there after a server went away or failed its check: the next idle server
     * (checked first if it needs it), else a new one when the limits and the reconnect backoff allow.
     */
    public void serveWaiters() {
        ServerConnection s;
        ClientConnection w = null;
        boolean check = false;
        boolean launch = false;
        synchronized (this) {
            if (lists.waitingCount == 0 || pause != PauseMode.NONE) {
                return; // a paused pool hands out nothing until RESUME
            }
            s = takeIdle(0);
            if (s != null && needsCheck(s)) {
                lists.changeState(s, ServerState.TESTING);
                check = true;
            } else if (s != null) {
                w = pickWaiter(s.loopIndex());
                link(w, s);
            } else {
                launch = canLaunch();
                if (launch) {
                    stats.launches++;
                }
            }
        }
        if (check) {
            ServerCheck.start(s);
        } else if (w != null) {
            dispatchLink(w, s);
        } else if (launch) {
            ServerConnection.launch(this, loops.next());
        }
    }

    /** The client gave up waiting or left; no-op when it is not waiting. */
    public void removeWaiter(ClientConnection c) {
        lists.removeWaiter(c);
    }

    /** The client left: out of the waiting list if it was there, and out of the pool. */
    public void removeClient(ClientConnection c) {
        lists.removeClient(c);
    }

    // ------------------------------------------------------------------ servers

    /** A new server started connecting. */
    public void addServer(ServerConnection s) {
        lists.addServer(s);
    }

    /**
     * A server is clean and ready (after login, a transaction, or clean-up): hand it to the longest waiting
     * client, preferring one on the server's own loop, else make it idle. Call on the server's loop.
     */
    public void release(ServerConnection s) {
        release(s, null);
    }

    /** As {@link #release(ServerConnection)}, also moving the client it leaves to idle (one lock, not two). */
    public void release(ServerConnection s, ClientConnection left) {
        ClientConnection w;
        long now = System.nanoTime();
        synchronized (this) {
            if (left != null && left.state() == ClientState.ACTIVE) {
                lists.changeState(left, ClientState.IDLE);
                stats.xactTime.record(now - s.linkedAtNanos());
            }
            if (s.state() == ServerState.CLOSED) {
                return;
            }
            if (s.closeNeeded() || pause == PauseMode.PAUSE) {
                lists.changeState(s, ServerState.USED); // RECONNECT, WAIT_CLOSE or PAUSE: closed, not reused
                w = null;
            } else if (excessServers() > 0) {
                // a reload made the pool smaller: a busy pool never has idle servers, so shrink as they come back
                lists.changeState(s, ServerState.USED);
                s.closeAsync(DisconnectReason.RELOAD);
                return;
            } else {
                w = pause == PauseMode.NONE ? pickWaiter(s.loopIndex()) : null;
                if (w == null) {
                    lists.changeState(s, ServerState.IDLE);
                    return;
                }
                link(w, s);
            }
        }
        if (w == null) {
            s.close(DisconnectReason.ADMIN);
            return;
        }
        dispatchLink(w, s);
    }

    /** Moves a server to USED for Sluice's own clean-up work. */
    public synchronized void cleaning(ServerConnection s) {
        if (s.state() != ServerState.CLOSED) {
            lists.changeState(s, ServerState.USED);
        }
    }

    public void serverClosed(ServerConnection s) {
        synchronized (this) {
            if (s.state() == ServerState.CLOSED) {
                return;
            }
            lists.changeState(s, ServerState.CLOSED);
            limits.serverClosed();
        }
        serveWaiters();
        PoolMaintenance.refill(this);
    }

    /**
     * Connecting or logging in failed: remember why, back off (exponentially with jitter, up to
     * server_login_retry), and fail waiters when no server could serve them.
     */
    public void loginFailed(ServerConnection s, String sqlState, String message) {
        logins.loginFailed(s, sqlState, message);
    }

    /** A login succeeded; clears the remembered failure. */
    public void loginSucceeded() {
        logins.loginSucceeded();
    }

    // ------------------------------------------------------------------ time (called by the Janitor)

    /**
     * Fails clients that waited past query_wait_timeout, retires old and unused servers, ends logins and health
     * checks past server_connect_timeout, opens reserve/min ones.
     */
    public void maintain(long now) {
        PoolMaintenance.run(this, now);
    }

    // ------------------------------------------------------------------ views

    public synchronized Counts counts() {
        return new Counts(lists.clients.size() - lists.waitingCount, lists.waitingCount, lists.active.size(),
                lists.idleCount, lists.used.size(), lists.login.size(), lists.testing.size());
    }

    /** The idle servers now (for SHOW SERVERS and tests). */
    public synchronized List<ServerConnection> idleServers() {
        List<ServerConnection> out = new ArrayList<>(lists.idleCount);
        for (ArrayDeque<ServerConnection> q : lists.idle) {
            out.addAll(q);
        }
        return out;
    }

    /** The logged-in clients now, for the janitor's per-client timeouts. */
    public synchronized List<ClientConnection> clientList() {
        return new ArrayList<>(lists.clients);
    }

    /** Sizes of the lists, as PgBouncer's SHOW POOLS shows them (sv_tested is serversTesting). */
    public record Counts(int clientsLinkedOrIdle, int clientsWaiting, int serversActive, int serversIdle,
                         int serversUsed, int serversLogin, int serversTesting) {
        public int servers() {
            return serversActive + serversIdle + serversUsed + serversLogin + serversTesting;
        }
    }

    // ------------------------------------------------------------------ admin console (PgBouncer semantics)

    public PauseMode pauseMode() {
        return pause;
    }

    /** Set by {@link PoolAdmin} under the monitor. */
    void pauseMode(PauseMode mode) {
        pause = mode;
    }

    /** Every server in any list, for SHOW SERVERS. */
    public synchronized List<ServerConnection> serverList() {
        List<ServerConnection> out = new ArrayList<>(lists.active);
        for (ArrayDeque<ServerConnection> q : lists.idle) {
            out.addAll(q);
        }
        out.addAll(lists.used);
        out.addAll(lists.testing);
        out.addAll(lists.login);
        return out;
    }

    /** Clients linked to a server now (PgBouncer counts these and idle ones together as cl_active). */
    public synchronized int clientsLinked() {
        int n = 0;
        for (ClientConnection c : lists.clients) {
            n += c.state() == ClientState.ACTIVE ? 1 : 0;
        }
        return n;
    }

    /** How long the longest-waiting client has waited, or 0. */
    public synchronized long maxWaitNanos(long now) {
        long oldest = 0;
        for (ArrayDeque<ClientConnection> q : lists.waiting) {
            ClientConnection c = q.peekFirst();
            if (c != null && (oldest == 0 || now - c.waitStartNanos() > oldest)) {
                oldest = now - c.waitStartNanos();
            }
        }
        return oldest;
    }

    // ------------------------------------------------------------------ internals (monitor held)

    ServerConnection takeIdle(int loop) {
        ArrayDeque<ServerConnection> own = lists.idle[loop];
        if (!own.isEmpty()) {
            return own.peek();
        }
        for (ArrayDeque<ServerConnection> q : lists.idle) {
            if (!q.isEmpty()) {
                return q.peek();
            }
        }
        return null;
    }

    void link(ClientConnection c, ServerConnection s) {
        long now = System.nanoTime();
        stats.waitTime.record(c.state() == ClientState.WAITING ? now - c.waitStartNanos() : 0);
        s.linkedAtNanos(now);
        lists.changeState(s, ServerState.ACTIVE);
        lists.changeState(c, ClientState.ACTIVE);
        s.client(c);
        stats.links++;
        if (s.loopIndex() != c.loopIndex()) {
            stats.handoffs++;
        }
    }

    /**
     * The oldest waiter on the server's loop, unless a waiter elsewhere has waited noticeably longer
     * (bounded unfairness instead of strict FIFO, which would cross loops half the time).
     */
    ClientConnection pickWaiter(int loop) {
        if (lists.waitingCount == 0) {
            return null;
        }
        ClientConnection best = lists.waiting[loop].peekFirst();
        for (int i = 0; i < lists.waiting.length; i++) {
            ClientConnection c = lists.waiting[i].peekFirst();
            if (i == loop || c == null) {
                continue;
            }
            if (best == null || best.waitStartNanos() - c.waitStartNanos() > settings.crossLoopSlackNanos()) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Links on the waiter's loop, always through a task, even from that loop: the task runs once the loop has
     * read every ready socket, and at 500 clients that ordering measured fewer context switches per transaction
     * (0.25 against 0.37) and about 10% more throughput than linking inline from the releasing server's read.
     */
    void dispatchLink(ClientConnection w, ServerConnection s) {
        EventLoop target = loops.get(w.loopIndex());
        if (s.loopIndex() == w.loopIndex()) {
            target.execute(() -> w.linked(s));
        } else {
            s.moveTo(target, w.loopIndex(), () -> w.linked(s));
        }
    }

    /** server_check_delay: a server idle longer than this (0: any) runs server_check_query before reuse. */
    private boolean needsCheck(ServerConnection s) {
        long delay = settings.serverCheckDelayNanos();
        return delay == 0 || Clock.now() - s.idleSinceNanos() > delay;
    }

    boolean canLaunch() {
        // one login (or check) in flight per waiting client at most; pool_size and the db/user limits bound the rest
        return lists.total() < settings.poolSize()
                && lists.login.size() + lists.testing.size() < lists.waitingCount && limits.mayOpen()
                && logins.retryAllowedNow();
    }

    /**
     * Logins to start for clients that wait while the pool is below its size, e.g. after a reload made it
     * bigger (acquire only launches at the moment a client starts waiting). Counted as launches.
     */
    int launchesForWaiters() {
        if (!limits.mayOpen()
                || (logins.lastFailure() != null && !logins.lastFailure().retryAllowed(System.nanoTime()))) {
            return 0;
        }
        int n = Math.max(0, Math.min(lists.waitingCount - lists.login.size(), settings.poolSize() - lists.total()));
        stats.launches += n;
        return n;
    }

    /** Idle servers beyond what the pool may keep (pool_size + reserve; none once a drained pool is unused). */
    int excessServers() {
        int cap = draining && lists.clients.isEmpty() ? 0 : settings.poolSize() + settings.reservePoolSize();
        return lists.total() - cap;
    }

    boolean canLaunchReserve() {
        return lists.total() < settings.poolSize() + settings.reservePoolSize() && lists.login.isEmpty()
                && limits.mayOpen();
    }

    @Override
    public String toString() {
        return "pool " + key;
    }
}
