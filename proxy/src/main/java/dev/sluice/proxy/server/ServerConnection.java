// One connection to PostgreSQL: login, relaying its replies to the linked client, and Sluice's own clean-up work.
package dev.sluice.proxy.server;

import dev.sluice.config.PoolMode;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.ParameterStatus;
import dev.sluice.protocol.Query;
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
import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threading: all of a server's work runs on its channel's event loop, which is also its linked client's loop
 * (the pool moves a server to the client's loop before linking). Reply bookkeeping ({@link #outstanding},
 * {@link #swallow}) is therefore plain fields, updated by the client as it forwards requests and by this
 * class as replies come back.
 */
public final class ServerConnection extends ChannelInboundHandlerAdapter
        implements FrameScanner.Inspector, FrameScanner.Sink {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final Pool pool;
    private final Backend backend;
    private final FrameScanner scanner;
    private final long createdNanos = System.nanoTime();
    /** server_lifetime for this server, shortened by its share of server_lifetime_jitter. */
    private final long lifetimeNanos;
    private final long createdMillis = System.currentTimeMillis();
    /** When the current client was linked (set by the pool), for transaction time and SHOW SERVERS. */
    private volatile long linkedAtNanos;
    /** RECONNECT or WAIT_CLOSE: close instead of reusing (PgBouncer's close_needed). */
    private volatile boolean closeNeeded;
    /** When the first of the outstanding requests was sent, for the query duration histogram. */
    private long queryStartNanos;
    private Channel channel;
    /** Where the linked client's messages are written. */
    private ChannelSink toServer;
    private volatile int loopIndex;
    private volatile ServerState state = ServerState.LOGIN;
    private volatile long idleSinceNanos = createdNanos;
    private ServerLogin login;
    /** Prepared-statement rewriting for this server, or null (session mode, or max_prepared_statements = 0). */
    private PreparedRelay prepared;

    private final ServerParams params = new ServerParams();
    private int processId;
    private int secretKey;

    // link state, on the shared loop
    private ClientConnection client;
    /** Requests sent whose ReadyForQuery has not come back (Query, Sync, FunctionCall). */
    private int outstanding;
    /** Leading ReadyForQuery-terminated replies that answer Sluice's own queries, not the client's. */
    private int swallow;
    /** Extended-protocol messages sent since the last Sync: the server holds state for this client. */
    private boolean unsynced;
    private boolean copyIn;
    private byte txStatus = 'I';
    private int cancelsInFlight;
    private ErrorResponse internalError;
    private InternalDone internalDone;
    private boolean releaseAfterFlush;
    private boolean wroteToClient;
    private final ChannelFutureListener afterClientFlush = f -> maybeRelease();
    // Clock stamps for the janitor (plain fields: it reads them racily to pick candidates, then re-checks on
    // this loop): the last ReadyForQuery, when the oldest outstanding request was sent, when the transaction began
    private long readyNanos;
    private long requestNanos;
    private long transactionNanos;
    /** While a health check runs: when it started (the janitor closes a check that gets no answer). */
    private volatile long checkStartedNanos;

    /** Continuation of Sluice's own query; {@code error} is null on success. */
    public interface InternalDone {
        void done(ErrorResponse error);
    }

    ServerConnection(Pool pool, Backend backend, int maxMessage, int loopIndex) {
        this.pool = pool;
        this.backend = backend;
        this.scanner = new FrameScanner(this, maxMessage);
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
        login = l;
        channel = ch;
        toServer = new ChannelSink(ch);
    }

    public long id() {
        return id;
    }

    public ServerState state() {
        return state;
    }

    public void state(ServerState next) {
        state = next;
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
        return outstanding;
    }

    /** {@link Clock} time of the last ReadyForQuery relayed to the client. */
    public long readyNanos() {
        return readyNanos;
    }

    /** {@link Clock} time the oldest outstanding request was sent. */
    public long requestNanos() {
        return requestNanos;
    }

    /** {@link Clock} time the current transaction block began (its first ReadyForQuery not idle). */
    public long transactionNanos() {
        return transactionNanos;
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
        return txStatus;
    }

    public ServerParams params() {
        return params;
    }

    public void client(ClientConnection c) {
        client = c;
    }

    public ClientConnection client() {
        return client;
    }

    // ------------------------------------------------------------------ requests from the linked client

    /** The client forwarded a message of this type (counted before the bytes are written). */
    public void requestSent(byte type) {
        switch (type) {
            case 'Q', 'F', 'S' -> {
                // each is answered by one ReadyForQuery; a Sync also ends the extended-protocol batch
                if (outstanding++ == 0) {
                    requestNanos = Clock.now();
                    queryStartNanos = System.nanoTime();
                }
                unsynced &= type != 'S';
            }
            case 'P', 'B', 'D', 'E', 'C', 'H' -> unsynced = true;
            case 'c', 'f' -> copyIn = false;
            default -> { }
        }
    }

    @Override
    public void write(ByteBuf bytes) {
        // FrameScanner.Sink for the client's scanner: client -> server bytes
        toServer.write(bytes);
    }

    /** Sends one of Sluice's own queries ahead of the client's work; its replies never reach the client. */
    public void runInternal(String sql, InternalDone done) {
        swallow++;
        internalError = null;
        internalDone = done;
        ByteBuf out = channel.alloc().buffer(sql.length() + 8);
        new Query(sql).encode(out);
        channel.write(out, channel.voidPromise());
    }

    /** True while the server holds per-client state: the link must stay. */
    public boolean busy() {
        return outstanding > 0 || swallow > 0 || unsynced || copyIn || txStatus != 'I' || cancelsInFlight > 0
                || (prepared != null && !prepared.idle());
    }

    public PreparedRelay prepared() {
        return prepared;
    }

    /** Forwards a client's cancel to this backend when it is running something. */
    public void cancelRunning() {
        if (outstanding > 0 || copyIn) {
            sendCancel();
        }
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pool.stats().sent.add(((ByteBuf) msg).readableBytes()); // once per read batch, not per message
        scanner.feed((ByteBuf) msg);
        if (releaseAfterFlush) {
            releaseAfterFlush = false;
            wroteToClient = false;
            ClientConnection c = client;
            if (c == null) {
                scanner.resume(); // the client left while its reply was being relayed: clean-up owns the server
                return;
            }
            Channel out = c.channel();
            out.flush();
            ChannelOutboundBuffer pending = out.unsafe().outboundBuffer();
            if (pending == null || pending.isEmpty()) {
                maybeRelease(); // everything up to the ReadyForQuery is in the client's socket
            } else {
                // a slow client: an empty write completes once everything before it has been written
                out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(afterClientFlush);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wroteToClient) {
            wroteToClient = false;
            if (client != null) {
                client.channel().flush();
            }
        }
        // Sluice's own writes to this server (login, internal queries, clean-up) flush where they are made
    }

    @Override
    public boolean needsBody(byte type) {
        return type == 'Z' || type == 'S' || type == 'E' || state == ServerState.LOGIN;
    }

    @Override
    public FrameScanner.Sink sink() {
        ClientConnection c = client;
        if (c == null) {
            return null;
        }
        wroteToClient = true;
        return c.clientSink();
    }

    @Override
    public Action onMessage(byte type, ByteBuf buf, int index, int length, boolean whole) {
        if (state == ServerState.LOGIN && login != null) {
            return login.onMessage(this, type, buf, index, length); // after it, LOGIN only runs connect_query
        }
        boolean hidden = swallow > 0 || client == null;
        Action prep = prepared != null && swallow == 0 ? prepared.fromServer(type, buf, index, length, scanner)
                : Action.FORWARD;
        if (prep == Action.CONSUME) {
            if (type == 'Z' && prepared.replayDue() && client != null) {
                // a batch failed on a stale plan and was re-prepared: its replay answers the client instead
                outstanding--;
                client.replay(prepared.takeReplay());
            }
            return Action.CONSUME; // a reply to Sluice's own Parse or Close, or hidden for a replay
        }
        switch (type) {
            case 'Z' -> {
                byte was = txStatus;
                txStatus = buf.getByte(index + 5);
                if (swallow > 0) {
                    swallow--;
                    if (swallow == 0) {
                        finishInternal();
                    }
                    return Action.CONSUME;
                }
                if (outstanding > 0 && --outstanding == 0 && client != null) {
                    pool.stats().queryTime.record(System.nanoTime() - queryStartNanos);
                }
                readyNanos = Clock.now();
                if (was == 'I' && txStatus != 'I') {
                    transactionNanos = readyNanos;
                }
                if (client == null) {
                    if (outstanding == 0) {
                        ServerCleanup.drained(this);
                    }
                    return Action.CONSUME;
                }
                return readyForQuery();
            }
            case 'S' -> {
                ParameterStatus ps = ParameterStatus.decode(buf.slice(index + 5, length - 5));
                params.reported(ps.name(), ps.value());
                if (client != null && swallow == 0) {
                    client.parameterChanged(ps.name(), ps.value());
                }
            }
            case 'E' -> {
                if (!hidden) {
                    countError(buf, index + 5, index + length);
                }
                if (hidden) {
                    internalError = ErrorResponse.decode(buf.slice(index + 5, length - 5));
                    if (client == null && state == ServerState.IDLE) {
                        // an idle server only errors when it is being terminated (admin shutdown, ...)
                        log.info("server {} ({}) reported while idle: {}", id, backend.address(), internalError);
                    }
                }
            }
            case 'G', 'W' -> copyIn |= !hidden; // CopyIn/CopyBoth: the server now waits for the client's data
            default -> { }
        }
        return hidden ? Action.CONSUME : Action.FORWARD;
    }

    private Action readyForQuery() {
        if (pool.mode() == PoolMode.SESSION || busy()) {
            if (pool.mode() == PoolMode.STATEMENT && txStatus != 'I' && outstanding == 0) {
                client.statementModeViolation();
            }
            return Action.FORWARD;
        }
        releaseAfterFlush = true;
        return Action.FORWARD_AND_PAUSE;
    }

    /** After the client's ReadyForQuery is written: unlink and return to the pool if still clean. */
    private void maybeRelease() {
        ClientConnection c = client;
        if (c == null || busy() || state != ServerState.ACTIVE || !c.readyToUnlink()) {
            scanner.resume();
            return;
        }
        c.unlinked(this);
        client = null;
        if (prepared != null) {
            prepared.unlink();
        }
        pool.release(this, c);
        scanner.resume();
    }

    private void finishInternal() {
        InternalDone done = internalDone;
        ErrorResponse error = internalError;
        internalDone = null;
        internalError = null;
        if (done != null) {
            done.done(error);
        }
    }

    /** The backend's ReadyForQuery ended the login: keep what it reported; connect_query may still follow. */
    void loggedIn(ServerLogin l) {
        params.loggedIn(l.params());
        if (pool.rewritesPrepared()) {
            prepared = new PreparedRelay(channel, pool.settings().maxPreparedStatements(),
                    pool.statementRegistry(), () -> txStatus == 'I', pool.stats());
        }
        processId = l.processId();
        secretKey = l.secretKey();
        login = null;
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
            if (state == ServerState.LOGIN) {
                failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "backend " + backend.address()
                        + " did not complete login within server_connect_timeout (" + limitMillis + " ms)");
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        scanner.release();
        ServerState was = state;
        if (was == ServerState.LOGIN) {
            failLogin(SqlState.CONNECTION_FAILURE, "backend " + backend.address() + " closed the connection during login");
            return;
        }
        pool.serverClosed(this);
        ClientConnection c = client;
        client = null;
        if (c != null) {
            c.serverLost(this, "server connection to backend " + backend.address() + " was lost");
        }
        if (was != ServerState.CLOSED) {
            pool.counters().serverDisconnected(DisconnectReason.SERVER_CLOSED);
            log.info("server {} to {} closed (pid {}, {})", id, backend.address(), processId, was);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ClientConnection c = client;
        if (c != null) {
            c.serverWritable(channel.isWritable());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("server {} to {}: {}", id, backend.address(), describe(cause));
        ctx.close();
    }

    // ------------------------------------------------------------------ lifecycle

    /** The linked client left; clean the server up for reuse, or close it if that cannot be done safely. */
    public void clientGone() {
        client = null;
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
        if (state != ServerState.CLOSED) {
            pool.counters().serverDisconnected(reason);
            log.info("closing server {} to {} (pid {}): {}", id, backend.address(), processId, reason);
            pool.serverClosed(this);
        }
        ClientConnection c = client;
        client = null;
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

    // ------------------------------------------------------------------ used by ServerCleanup

    int outstanding() {
        return outstanding;
    }

    boolean copyIn() {
        return copyIn;
    }

    boolean unsynced() {
        return unsynced;
    }

    int cancelsInFlight() {
        return cancelsInFlight;
    }

    boolean swallowing() {
        return swallow > 0;
    }

    /** After a reset query: parameters PostgreSQL does not report were reset to defaults too. */
    void forgetUnreportedParams() {
        params.resetUnreported(pool.welcome());
    }

    /** Opens a cancel connection with this backend's real key; the link (or clean-up) waits for it. */
    void sendCancel() {
        cancelsInFlight++;
        boolean tls = ServerTlsStart.encrypted(channel);
        pool.connector().cancel(channel.eventLoop(), backend, processId, secretKey, tls, () -> {
            cancelsInFlight--;
            if (client == null && state == ServerState.USED) {
                ServerCleanup.drained(this);
            } else if (client != null && !busy()) {
                maybeRelease();
            }
        });
    }

    /** Counts an ErrorResponse relayed to the client by its SQLSTATE class (the 'C' field). */
    private void countError(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            byte field = buf.getByte(i);
            if (field == 0) {
                return;
            }
            if (field == 'C' && i + 2 < to) {
                pool.counters().clientError((char) buf.getByte(i + 1), (char) buf.getByte(i + 2));
                return;
            }
            int nul = buf.indexOf(i + 1, to, (byte) 0);
            if (nul < 0) {
                return;
            }
            i = nul + 1;
        }
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
