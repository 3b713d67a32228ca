// One pool per (database, user): its backend, settings and limits, and the operations the proxy calls on it.
package dev.sluice.proxy.pool;

import dev.sluice.config.PoolMode;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.metrics.ProxyCounters;
import dev.sluice.proxy.prepared.StatementRegistry;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.ScramPassThrough;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.server.ServerConnector;
import java.util.List;
import java.util.Map;

/**
 * A pool's lists ({@link PoolLists}) are guarded by the pool's monitor, which is this object; {@link
 * PoolLists#changeState} is the only code that moves a connection between them. Idle servers and waiting clients
 * are kept per event loop so that a client is linked to a server on its own thread whenever possible; a
 * cross-loop link moves the server's channel to the client's loop once (counted in {@link PoolStats#handoffs}).
 * Work on connections (linking, closing) is done outside the monitor, on the connection's own event loop.
 *
 * <p>The pool's work is split by concern into package-private classes that all take this same monitor: {@link
 * PoolLists} (the lists and changeState), {@link PoolLinker} (handing servers to clients: the hot path), {@link
 * PoolLogins} (what server logins use and learn, the backoff after failures), {@link PoolViews} (counts and
 * snapshots), {@link PoolAdmin} and {@link PoolMaintenance}. The public methods here are the pool's API; those
 * that delegate are one plain call deep.
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
    private final PoolLinker linker;
    private final PoolViews views;

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
        // after the lists and stats: the linker keeps references to them
        this.logins = new PoolLogins(this, backend);
        this.linker = new PoolLinker(this, logins);
        this.views = new PoolViews(this);
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
        return linker.acquire(c);
    }

    /**
     * Gives waiting clients what is there after a server went away or failed its check: the next idle server
     * (checked first if it needs it), else a new one when the limits and the reconnect backoff allow.
     */
    public void serveWaiters() {
        linker.serveWaiters();
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
        linker.release(s, null);
    }

    /** As {@link #release(ServerConnection)}, also moving the client it leaves to idle (one lock, not two). */
    public void release(ServerConnection s, ClientConnection left) {
        linker.release(s, left);
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

    // ------------------------------------------------------------------ views (see PoolViews)

    public Counts counts() {
        return views.counts();
    }

    /** The idle servers now (for SHOW SERVERS and tests). */
    public List<ServerConnection> idleServers() {
        return views.idleServers();
    }

    /** The logged-in clients now, for the janitor's per-client timeouts. */
    public List<ClientConnection> clientList() {
        return views.clientList();
    }

    /** Every server in any list, for SHOW SERVERS. */
    public List<ServerConnection> serverList() {
        return views.serverList();
    }

    /** Clients linked to a server now (PgBouncer counts these and idle ones together as cl_active). */
    public int clientsLinked() {
        return views.clientsLinked();
    }

    /** How long the longest-waiting client has waited, or 0. */
    public long maxWaitNanos(long now) {
        return views.maxWaitNanos(now);
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

    // ------------------------------------------------------------------ internals (monitor held)

    /** Idle servers beyond what the pool may keep (pool_size + reserve; none once a drained pool is unused). */
    int excessServers() {
        int cap = draining && lists.clients.isEmpty() ? 0 : settings.poolSize() + settings.reservePoolSize();
        return lists.total() - cap;
    }

    @Override
    public String toString() {
        return "pool " + key;
    }
}
