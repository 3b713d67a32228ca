// One connection to PostgreSQL as the pool, janitor and admin see it: identity, lifetime stamps, login, close.
package dev.sluice.proxy.server;

import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.client.ServerParams;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.ServerState;
import dev.sluice.proxy.prepared.PreparedRelay;
import dev.sluice.proxy.relay.ChannelSink;
import dev.sluice.proxy.relay.FrameScanner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threading: all of a server's work runs on its channel's event loop, which is also its linked client's loop
 * (the pool moves a server to the client's loop before linking). The channel's handler is its
 * {@link ServerRelay}, which holds what every reply touches (state, link, request counts); the methods here
 * that report on those are plain delegates.
 */
public final class ServerConnection implements FrameScanner.Sink {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final Pool pool;
    private final Backend backend;
    private final ServerRelay relay;
    private final long createdNanos = System.nanoTime();
    /** server_lifetime for this server, shortened by its share of server_lifetime_jitter. */
    private final long lifetimeNanos;
    private final long createdMillis = System.currentTimeMillis();
    /** When the current client was linked (set by the pool), for transaction time and SHOW SERVERS. */
    private volatile long linkedAtNanos;
    /** RECONNECT or WAIT_CLOSE: close instead of reusing (PgBouncer's close_needed). */
    private volatile boolean closeNeeded;
    private Channel channel;
    /** Where the linked client's messages are written. */
    private ChannelSink toServer;
    private volatile int loopIndex;
    private volatile long idleSinceNanos = createdNanos;
    /** While a health check runs: when it started (the janitor closes a check that gets no answer). */
    private volatile long checkStartedNanos;
    /**
     * Prepared-statement rewriting for this server, or null (session mode, or max_prepared_statements = 0).
     * The relay's own, set once at login: the client reads it here for every message it forwards.
     */
    private PreparedRelay prepared;

    private final ServerParams params = new ServerParams();
    private int processId;
    private int secretKey;

    /** Continuation of Sluice's own query; {@code error} is null on success. */
    public interface InternalDone {
        void done(ErrorResponse error);
    }

    ServerConnection(Pool pool, Backend backend, int maxMessage, int loopIndex) {
        this.pool = pool;
        this.backend = backend;
        this.relay = new ServerRelay(this, pool, maxMessage);
        this.loopIndex = loopIndex;
        long lifetime = pool.settings().serverLifetimeNanos();
        long jitter = Math.min(pool.settings().serverLifetimeJitterNanos(), lifetime / 2); // never below half
        this.lifetimeNanos = jitter > 0 ? lifetime - java.util.concurrent.ThreadLocalRandom.current().nextLong(jitter + 1)
                : lifetime;
    }

    /** Opens a new server for {@code pool} on {@code loop}; the pool learns the outcome. */
    public static void launch(Pool pool, EventLoop loop) {
        ServerLogin.launch(pool, loop);
    }

    void login(ServerLogin l, Channel ch) {
        relay.login(l);
        channel = ch;
        toServer = new ChannelSink(ch);
    }

    /** The channel's handler. */
    ServerRelay relay() {
        return relay;
    }

    public long id() {
        return id;
    }

    public ServerState state() {
        return relay.state();
    }

    public void state(ServerState next) {
        relay.state(next);
    }

    public int loopIndex() {
        return loopIndex;
    }

    public long createdNanos() {
        return createdNanos;
    }

    /** This server's own server_lifetime (jittered); 0 = unlimited. */
    public long lifetimeNanos() {
        return lifetimeNanos;
    }

    /** Requests whose ReadyForQuery has not come back; 0 when the server waits for its client. */
    public int requestsOutstanding() {
        return relay.outstanding;
    }

    /** {@link Clock} time of the last ReadyForQuery relayed to the client. */
    public long readyNanos() {
        return relay.readyNanos;
    }

    /** {@link Clock} time the oldest outstanding request was sent. */
    public long requestNanos() {
        return relay.requestNanos;
    }

    /** {@link Clock} time the current transaction block began (its first ReadyForQuery not idle). */
    public long transactionNanos() {
        return relay.transactionNanos;
    }

    public long checkStartedNanos() {
        return checkStartedNanos;
    }

    void checkStartedNanos(long t) {
        checkStartedNanos = t;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public long linkedAtNanos() {
        return linkedAtNanos;
    }

    public void linkedAtNanos(long t) {
        linkedAtNanos = t;
    }

    public boolean closeNeeded() {
        return closeNeeded;
    }

    public void closeNeeded(boolean b) {
        closeNeeded = b;
    }

    public Pool pool() {
        return pool;
    }

    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    public void idleSinceNanos(long t) {
        idleSinceNanos = t;
    }

    public Channel channel() {
        return channel;
    }

    public Backend backend() {
        return backend;
    }

    public int processId() {
        return processId;
    }

    public byte txStatus() {
        return relay.txStatus;
    }

    public ServerParams params() {
        return params;
    }

    public void client(ClientConnection c) {
        relay.client(c);
    }

    public ClientConnection client() {
        return relay.client();
    }

    // ------------------------------------------------------------------ requests from the linked client

    /** The client forwarded a message of this type (counted before the bytes are written). */
    public void requestSent(byte type) {
        relay.requestSent(type);
    }

    @Override
    public void write(ByteBuf bytes) {
        // FrameScanner.Sink for the client's scanner: client -> server bytes
        toServer.write(bytes);
    }

    /** Flushes what the relay queued for this server (a full socket) and Sluice's own pending writes. */
    public void flush() {
        toServer.flush();
    }

    /** Sends one of Sluice's own queries ahead of the client's work; its replies never reach the client. */
    public void runInternal(String sql, InternalDone done) {
        relay.runInternal(channel, sql, done);
    }

    /** True while the server holds per-client state: the link must stay. */
    public boolean busy() {
        return relay.busy();
    }

    public PreparedRelay prepared() {
        return prepared;
    }

    /** Forwards a client's cancel to this backend when it is running something. */
    public void cancelRunning() {
        if (relay.running()) {
            sendCancel();
        }
    }

    /** Opens a cancel connection with this backend's real key; the link (or clean-up) waits for it. */
    void sendCancel() {
        relay.cancelSent();
        boolean tls = ServerTlsStart.encrypted(channel);
        pool.connector().cancel(channel.eventLoop(), backend, processId, secretKey, tls, () -> relay.cancelDone());
    }

    // ------------------------------------------------------------------ login

    /** The backend's ReadyForQuery ended the login: keep what it reported; connect_query may still follow. */
    void loggedIn(ServerLogin l) {
        params.loggedIn(l.params());
        prepared = relay.loggedIn(channel);
        processId = l.processId();
        secretKey = l.secretKey();
    }

    void loginDone() {
        toServer.pipelineSettled(); // TLS, if any, was set up before the login
        pool.welcome(params.values());
        pool.loginSucceeded();
        pool.stats().connectTime.record(System.nanoTime() - createdNanos);
        log.debug("server {} logged in to {} (pid {})", id, backend, processId);
        pool.release(this);
        pool.serveWaiters(); // after an outage, more clients may wait than logins are in flight
    }

    void failLogin(String sqlState, String message) {
        log.warn("server {}: {}", id, message);
        pool.loginFailed(this, sqlState, message);
        if (channel != null) {
            channel.close();
        }
    }

    /** From the janitor: connecting and logging in took longer than server_connect_timeout. */
    public void loginTimedOut(long limitMillis) {
        Channel ch = channel;
        if (ch == null) {
            return; // still inside launch(); the next tick sees it again
        }
        ch.eventLoop().execute(() -> {
            if (relay.state() == ServerState.LOGIN) {
                failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "backend " + backend.address()
                        + " did not complete login within server_connect_timeout (" + limitMillis + " ms)");
            }
        });
    }

    // ------------------------------------------------------------------ lifecycle

    /** The channel closed, whoever closed it; {@code was} is the state it closed in. */
    void channelClosed(ServerState was) {
        if (was == ServerState.LOGIN) {
            failLogin(SqlState.CONNECTION_FAILURE, "backend " + backend.address() + " closed the connection during login");
            return;
        }
        pool.serverClosed(this);
        ClientConnection c = relay.takeClient();
        if (c != null) {
            c.serverLost(this, "server connection to backend " + backend.address() + " was lost");
        }
        if (was != ServerState.CLOSED) {
            pool.counters().serverDisconnected(DisconnectReason.SERVER_CLOSED);
            log.info("server {} to {} closed (pid {}, {})", id, backend.address(), processId, was);
        }
    }

    /** The linked client left; clean the server up for reuse, or close it if that cannot be done safely. */
    public void clientGone() {
        relay.client(null);
        if (prepared != null) {
            prepared.unlink();
        }
        // a client that stopped reading paused this server's reads; clean-up must read the replies
        channel.config().setAutoRead(true);
        ServerCleanup.start(this);
    }

    /** Closes from any thread. */
    public void closeAsync(DisconnectReason reason) {
        if (channel == null) {
            return;
        }
        channel.eventLoop().execute(() -> close(reason));
    }

    public void close(DisconnectReason reason) {
        if (relay.state() != ServerState.CLOSED) {
            pool.counters().serverDisconnected(reason);
            log.info("closing server {} to {} (pid {}): {}", id, backend.address(), processId, reason);
            pool.serverClosed(this);
        }
        ClientConnection c = relay.takeClient();
        if (c != null) {
            c.serverLost(this, "server connection closed: " + reason);
        }
        channel.close();
    }

    /** Moves this idle server's channel to another event loop, then runs {@code then} there. */
    public void moveTo(EventLoop target, int targetIndex, Runnable then) {
        channel.deregister().addListener(d -> {
            if (!d.isSuccess()) {
                close(DisconnectReason.INTERNAL_ERROR);
                return;
            }
            target.register(channel).addListener(r -> {
                loopIndex = targetIndex;
                if (r.isSuccess()) {
                    then.run();
                } else {
                    close(DisconnectReason.INTERNAL_ERROR);
                    then.run(); // the client sees the server closed and waits for another
                }
            });
        });
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m != null ? m : t.getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return "server " + id + " " + backend.address() + " pid " + processId;
    }
}
