// The running pooler's shared parts: config, event loops, pools, cancel keys, client admission.
package dev.sluice.proxy;

import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.client.AuthQuery;
import dev.sluice.proxy.client.CancelRegistry;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.client.ScramVerifiers;
import dev.sluice.proxy.metrics.ProxyCounters;
import dev.sluice.proxy.metrics.StatsReporter;
import dev.sluice.proxy.pool.PauseMode;
import dev.sluice.proxy.pool.LoopSet;
import dev.sluice.proxy.pool.PoolRegistry;
import dev.sluice.proxy.server.ServerConnector;
import dev.sluice.proxy.tls.TlsContexts;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread-safe: reached from every event loop. The config is swapped whole by {@link #reload}; code that
 * makes a decision takes one {@link #config()} snapshot and reads everything it needs from it.
 */
public final class Proxy {
    private volatile SluiceConfig config;
    private final Reloader reloader;
    private final LoopSet loops;
    private final PoolRegistry pools;
    private final TlsContexts tls;
    private final CancelRegistry cancels = new CancelRegistry();
    private final ScramVerifiers verifiers = new ScramVerifiers();
    private final AuthQuery authQuery = new AuthQuery();
    private final AtomicInteger clients = new AtomicInteger();
    /** Clients still logging in, with when they connected (for client_login_timeout). */
    private final Map<ClientConnection, Long> loggingIn = new ConcurrentHashMap<>();
    private final ServerConnector connector;
    private final Drain drain = new Drain(this);
    private final ProxyCounters counters = new ProxyCounters();
    private final StatsReporter statsReporter;
    /** Global PAUSE or SUSPEND from the admin console (per-database ones live on the pools). */
    private volatile PauseMode pauseMode = PauseMode.NONE;
    /** PAUSE db / KILL db: the database stays paused (pools created later too) until RESUME db. */
    private final Map<String, PauseMode> pausedDatabases = new ConcurrentHashMap<>();
    /** Databases the admin console DISABLEd: new logins are refused. */
    private final Set<String> disabled = ConcurrentHashMap.newKeySet();

    public Proxy(SluiceConfig config, LoopSet loops, ServerConnector connector) {
        this.config = config;
        this.loops = loops;
        this.connector = connector;
        this.pools = new PoolRegistry(config, connector, loops, counters);
        this.statsReporter = new StatsReporter(System.nanoTime());
        this.tls = connector.tls();
        this.reloader = new Reloader(config, () -> this.config, next -> this.config = next, pools::reconfigure,
                tls::prepare);
    }

    /** How {@link #reload()} gets the new config; Main passes its own loader so CLI overrides stay applied. */
    public void configSource(ConfigSource source) {
        reloader.source(source);
    }

    /**
     * SIGHUP and the admin console's RELOAD: re-reads the config and applies it, or changes nothing and says
     * why (logged either way; the result's toString is the same line).
     */
    public ReloadResult reload() {
        return reloader.reload();
    }

    /** Applies an already loaded config; settings that need a restart keep their running values and are reported. */
    public ReloadResult reload(SluiceConfig next) {
        return reloader.apply(next);
    }

    /**
     * Shuts Sluice down (SIGTERM, admin SHUTDOWN). With {@code waitForClients} it drains: stops accepting,
     * reports not ready, lets each client finish its transaction and closes it there with 57P01, up to
     * shutdown_timeout; without (or called again without) it closes every client now. The process exits when
     * {@link Drain#done()} completes.
     */
    public void shutdown(boolean waitForClients) {
        drain.start(waitForClients);
    }

    /** True once a shutdown began: /ready reports not ready, new transactions are refused with 57P01. */
    public boolean draining() {
        return drain.draining();
    }

    public Drain drain() {
        return drain;
    }

    public ServerConnector connector() {
        return connector;
    }

    public SluiceConfig config() {
        return config;
    }

    public LoopSet loops() {
        return loops;
    }

    public PoolRegistry pools() {
        return pools;
    }

    /** Client- and server-side TLS contexts as of now. */
    public TlsContexts tls() {
        return tls;
    }

    public StatsReporter statsReporter() {
        return statsReporter;
    }

    public PauseMode pauseMode() {
        return pauseMode;
    }

    public void pauseMode(PauseMode mode) {
        pauseMode = mode;
    }

    /** What a pool of {@code database} should be in: the global mode, else the database's own. */
    public PauseMode pauseOf(String database) {
        PauseMode global = pauseMode;
        return global != PauseMode.NONE ? global : pausedDatabases.getOrDefault(database, PauseMode.NONE);
    }

    /** Admin PAUSE db (mode PAUSE) or RESUME db (mode NONE). */
    public void pauseDatabase(String database, PauseMode mode) {
        if (mode == PauseMode.NONE) {
            pausedDatabases.remove(database);
        } else {
            pausedDatabases.put(database, mode);
        }
    }

    public ProxyCounters counters() {
        return counters;
    }

    public boolean isDisabled(String database) {
        return disabled.contains(database);
    }

    /** Admin DISABLE / ENABLE. */
    public void disabled(String database, boolean on) {
        if (on) {
            disabled.add(database);
        } else {
            disabled.remove(database);
        }
    }

    public CancelRegistry cancels() {
        return cancels;
    }

    public AuthQuery authQuery() {
        return authQuery;
    }

    public ScramVerifiers verifiers() {
        return verifiers;
    }

    public int maxMessageLength() {
        return config.maxPacketSize();
    }

    public String secretOf(String user) {
        return config.userlist().secret(user);
    }

    /** Counts a client against max_client_conn; false (and not counted) when the limit is reached. */
    public boolean clientAdmitted() {
        if (clients.incrementAndGet() > config().maxClientConn()) {
            clients.decrementAndGet();
            return false;
        }
        return true;
    }

    public void clientGone() {
        clients.decrementAndGet();
    }

    public int clientCount() {
        return clients.get();
    }

    public void loginStarted(ClientConnection c) {
        loggingIn.put(c, System.nanoTime());
    }

    public void loginFinished(ClientConnection c) {
        loggingIn.remove(c);
    }

    /** Clients connected but not logged in yet. */
    public int loginCount() {
        return loggingIn.size();
    }

    Map<ClientConnection, Long> loggingIn() {
        return loggingIn;
    }
}
