// One client connection: startup, login, then relaying its requests to whichever server its pool links it to.
package dev.sluice.proxy.client;

import dev.sluice.config.PoolMode;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.StartupPacket;
import dev.sluice.protocol.Wire;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.admin.AdminSession;
import dev.sluice.proxy.pool.ClientState;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolUnavailableException;
import dev.sluice.proxy.relay.ChannelSink;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.relay.FrameScanner.Action;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.tls.ClientTlsUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lives on one event loop. In transaction mode the client owns no server between transactions: its first
 * message makes it wait for one ({@link Pool#acquire}), the messages are relayed once linked, and the server
 * unlinks itself when the transaction's ReadyForQuery has been written and nothing is outstanding.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter
        implements FrameScanner.Inspector, AdminSession.Reader {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    /** Reasons reading from the client is paused; reading resumes when none is left. */
    private static final int WAITING_FOR_SERVER = 1;
    /**
     * A client waiting for a server is only stopped from reading once it has buffered this much: a client
     * usually waits for its reply, and toggling reads costs two epoll_ctl calls per transaction.
     */
    private static final int WAITING_BUFFER_LIMIT = 256 * 1024;
    private static final int SERVER_UNWRITABLE = 2;

    private final Proxy proxy;
    private final FrameScanner scanner;
    private final ClientSession session;
    private Channel channel;
    private int loopIndex;
    private volatile ClientState state = ClientState.LOGIN;
    private volatile long waitStartNanos;
    /** The admin console session when this client connected to the virtual pgbouncer database. */
    private AdminSession admin;
    private ServerConnection server;
    private int readBlockers;
    private boolean wroteToServer;
    /** Set once close() ran: the pool no longer knows this client. */
    private boolean closed;
    private ChannelSink clientSink;
    /** {@link Clock} time of the last bytes from the client (client_idle_timeout). */
    private long lastReadNanos = Clock.now();
    /** The head of the last Query/Parse, kept only for the idle_transaction_timeout log line; else null. */
    private LastStatement lastStatement;

    public ClientConnection(Proxy proxy) {
        this.proxy = proxy;
        this.scanner = new FrameScanner(this, proxy.maxMessageLength());
        this.session = new ClientSession(proxy, this);
        scanner.pause(); // nothing is relayed until login is done and a server is linked
    }

    // ------------------------------------------------------------------ accessors used by the pool

    public ClientState state() {
        return state;
    }

    public void state(ClientState next) {
        state = next;
    }

    public int loopIndex() {
        return loopIndex;
    }

    public long waitStartNanos() {
        return waitStartNanos;
    }

    public void waitStartNanos(long t) {
        waitStartNanos = t;
    }

    public Channel channel() {
        return channel;
    }

    public ClientSession session() {
        return session;
    }

    public EventLoop loop() {
        return channel.eventLoop();
    }

    /** Where the linked server's replies are written. */
    public FrameScanner.Sink clientSink() {
        return clientSink;
    }

    // ------------------------------------------------------------------ Netty events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        clientSink = new ChannelSink(channel);
        loopIndex = proxy.loops().indexOf(channel.eventLoop());
        session.accepted((InetSocketAddress) channel.remoteAddress());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof StartupPacket p) {
            session.onStartup(ctx, p);
            return;
        }
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastReadNanos = Clock.now();
        Pool pool = session.pool();
        if (pool != null) {
            pool.stats().received.add(((ByteBuf) msg).readableBytes()); // once per read batch
        }
        scanner.feed((ByteBuf) msg);
        if (state == ClientState.LOGIN && scanner.buffered() > Wire.MAX_STARTUP_PACKET) {
            // authentication messages are small; do not buffer a huge one before the client is known
            fatal(SqlState.PROTOCOL_VIOLATION, "authentication message too large", DisconnectReason.PROTOCOL_VIOLATION);
            return;
        }
        if (state == ClientState.IDLE && scanner.hasBuffered()) {
            beginTransaction();
        } else if (server == null && scanner.buffered() > WAITING_BUFFER_LIMIT) {
            block(WAITING_FOR_SERVER, true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null && (wroteToServer || (s.prepared() != null && s.prepared().takeWrote()))) {
            s.channel().flush();
        }
        wroteToServer = false;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // a client that cannot take more stops its server's reads: memory stays flat for any result size
        ServerConnection s = server;
        if (s != null) {
            s.channel().config().setAutoRead(channel.isWritable());
        }
    }

    /** The linked server's socket filled up: stop reading the client until it drains. */
    public void serverWritable(boolean writable) {
        block(SERVER_UNWRITABLE, !writable);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close(DisconnectReason.CLIENT_CLOSE);
        scanner.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProtocolException pe = ProtocolException.find(cause);
        if (pe != null) {
            fatal(pe.sqlState(), pe.getMessage(), DisconnectReason.PROTOCOL_VIOLATION);
        } else if (cause instanceof java.io.IOException) {
            close(DisconnectReason.CLIENT_CLOSE); // reset by peer and the like
        } else if (ClientTlsUpgrade.isTlsFailure(cause)) {
            close(DisconnectReason.PROTOCOL_VIOLATION); // the handshake listener logged why; no plain reply fits
        } else {
            log.warn("client {}: internal error", session.id(), cause);
            fatal(SqlState.INTERNAL_ERROR, "internal error in Sluice; see its log", DisconnectReason.INTERNAL_ERROR);
        }
    }

    // ------------------------------------------------------------------ login (called by ClientSession)

    /** Authentication needs password messages: scan what is buffered and what comes. */
    void scanLogin() {
        scanner.resume();
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * The linked server (on this loop; the janitor and SHOW CLIENTS read it racily: the janitor re-checks here,
     * SHOW CLIENTS tolerates a stale answer).
     */
    public ServerConnection server() {
        return server;
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    /** The first 200 characters of the last Query or Parse, or "" when not kept. */
    String lastStatementText() {
        return lastStatement == null ? "" : lastStatement.text();
    }

    /** Authentication succeeded: join the pool, then finish login once the pool knows its server parameters. */
    void loggedIn(Pool pool) {
        clientSink.pipelineSettled(); // TLS, if any, was negotiated before the startup packet
        if (Lifecycle.Limits.of(proxy.config(), session.user()).idleTransaction() > 0) {
            lastStatement = new LastStatement(); // only the idle_transaction_timeout log line needs it
        }
        pool.addClient(this);
        if (pool.welcome() != null && pool.mode() != PoolMode.SESSION) {
            session.sendWelcome(pool.welcome());
            channel.flush();
            if (scanner.hasBuffered()) {
                beginTransaction();
            }
            return;
        }
        // the pool has never logged in to its backend (or this is session mode): get a server first
        beginTransaction();
    }

    @Override
    public void pauseReading() {
        scanner.pause();
    }

    @Override
    public void resumeReading() {
        if (!closed) {
            block(WAITING_FOR_SERVER, false); // a console client that pipelined a lot while a command waited
            scanner.resume();
        }
    }

    /** Logged in to the admin console: from now on every message goes to {@code a}. */
    void adminLoggedIn(AdminSession a) {
        admin = a;
        state = ClientState.ACTIVE; // in no pool list: the console has no pool
        a.welcome();
        scanner.resume();
    }

    // ------------------------------------------------------------------ linking

    private void beginTransaction() {
        if (scanner.peekType() == 'X') {
            close(DisconnectReason.CLIENT_CLOSE);
            return;
        }
        if (proxy.draining()) {
            // a transaction boundary while Sluice shuts down: the client reconnects elsewhere (57P01 is retryable)
            fatal(SqlState.ADMIN_SHUTDOWN, Lifecycle.SHUTDOWN_MESSAGE, DisconnectReason.SHUTDOWN);
            return;
        }
        ServerConnection s;
        try {
            s = session.pool().acquire(this);
        } catch (PoolUnavailableException e) {
            fatal(e.failure().sqlState(), e.getMessage(), e.reason());
            return;
        }
        if (s != null) {
            linked(s);
        }
    }

    /** The pool linked a server to this client; runs on this client's loop, which is now the server's too. */
    public void linked(ServerConnection s) {
        if (closed) {
            // left while waiting: the server never saw this client's work
            s.client(null);
            session.pool().release(s);
            return;
        }
        server = s;
        if (s.prepared() != null) {
            s.prepared().link(session.statements(), channel);
        }
        if (!channel.isWritable()) {
            s.channel().config().setAutoRead(false);
        }
        if (!session.welcomed()) {
            session.sendWelcome(session.pool().welcome());
            channel.flush();
        }
        String sync = session.syncSql(s);
        if (sync == null) {
            relay();
            return;
        }
        s.runInternal(sync, error -> {
            if (error != null) {
                fatal(SqlState.INVALID_PARAMETER_VALUE, "could not apply this connection's settings on the server: "
                        + error.message(), DisconnectReason.PROTOCOL_VIOLATION);
                return;
            }
            session.synced(s);
            relay();
        });
        s.channel().flush();
    }

    private void relay() {
        ServerConnection s = server;
        block(WAITING_FOR_SERVER, false);
        scanner.resume();
        if (s == server && s != null) {
            s.channel().flush();
            if (!scanner.hasBuffered() && !s.busy() && session.pool().mode() != PoolMode.SESSION) {
                // linked only to learn the pool's parameters at login: give the server back right away
                unlinked(s);
                s.client(null);
                if (s.prepared() != null) {
                    s.prepared().unlink();
                }
                session.pool().release(s, this);
            }
        }
    }

    /** The server left this client after a finished transaction. */
    public void unlinked(ServerConnection s) {
        if (server != s) {
            return;
        }
        server = null;
        readBlockers &= ~SERVER_UNWRITABLE;
        if (!s.channel().config().isAutoRead()) {
            s.channel().config().setAutoRead(true); // a slow reader had paused it; setting it is an atomic swap
        }
        scanner.pause();
        if (!closed) {
            block(SERVER_UNWRITABLE, false); // the pool moves this client to idle as it takes the server back
            if (scanner.hasBuffered()) {
                channel.eventLoop().execute(() -> {
                    if (state == ClientState.IDLE && !closed && scanner.hasBuffered()) {
                        beginTransaction();
                    }
                });
            }
        }
    }

    /** False while part of a streamed message has been relayed and the rest must follow to the same server. */
    public boolean readyToUnlink() {
        return !scanner.streaming();
    }

    /** Relays {@code batch} (owned from here) again, ahead of anything buffered, as if the client resent it. */
    public void replay(ByteBuf batch) {
        ServerConnection s = server;
        scanner.prepend(batch);
        if (s != null) {
            s.channel().flush();
        }
    }

    public void parameterChanged(String name, String value) {
        session.parameterChanged(name, value);
    }

    // ------------------------------------------------------------------ relaying client -> server

    @Override
    public boolean needsBody(byte type) {
        if (state == ClientState.LOGIN || admin != null) {
            return true;
        }
        ServerConnection s = server;
        return s != null && s.prepared() != null && s.prepared().needsBody(type);
    }

    @Override
    public int prefixNeeded(byte type) {
        ServerConnection s = server;
        return s != null && s.prepared() != null ? s.prepared().prefixNeeded(type) : 5;
    }

    @Override
    public Action onMessage(byte type, ByteBuf buf, int index, int length, boolean whole) {
        if (admin != null) {
            return admin.onMessage(type, buf, index, length);
        }
        if (state == ClientState.LOGIN) {
            return session.onLoginMessage(type, buf, index, length);
        }
        if (type == 'X') {
            // after this scan returns: the server must not see Terminate, and stays for the next client
            channel.eventLoop().execute(() -> close(DisconnectReason.CLIENT_CLOSE));
            return Action.CONSUME_AND_PAUSE;
        }
        ServerConnection s = server;
        if (lastStatement != null && (type == 'Q' || type == 'P')) {
            lastStatement.record(type, buf, index, length);
        }
        s.requestSent(type);
        return s.prepared() == null ? Action.FORWARD : s.prepared().fromClient(type, buf, index, length, whole, scanner);
    }

    @Override
    public FrameScanner.Sink sink() {
        wroteToServer = true;
        return server;
    }

    // ------------------------------------------------------------------ failures and close

    /** From any thread: the pool could not give this client a server. */
    public void failFromPool(String sqlState, String message, DisconnectReason reason) {
        channel.eventLoop().execute(() -> fatal(sqlState, message, reason));
    }

    /** The linked server died or was closed under the client. */
    public void serverLost(ServerConnection s, String message) {
        if (server == s) {
            server = null;
            fatal(SqlState.CONNECTION_FAILURE, message, DisconnectReason.SERVER_CLOSED);
        }
    }

    public void statementModeViolation() {
        fatal(SqlState.FEATURE_NOT_SUPPORTED, "transaction blocks not allowed in statement pooling mode",
                DisconnectReason.STATEMENT_MODE_TRANSACTION);
    }

    /** Sends a FATAL ErrorResponse, then closes once it is written. */
    public void fatal(String sqlState, String message, DisconnectReason reason) {
        if (closed || !channel.isActive()) {
            close(reason);
            return;
        }
        session.logRefusal(sqlState, message);
        proxy.counters().clientError(sqlState);
        ByteBuf out = channel.alloc().buffer(64 + message.length());
        ErrorResponse.fatal(sqlState, message).encode(out);
        detach(reason);
        channel.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    /** Ends the client; a linked server is cleaned up for reuse or closed. Idempotent, on this loop. */
    @Override
    public void close(DisconnectReason reason) {
        detach(reason);
        channel.close();
    }

    private void detach(DisconnectReason reason) {
        if (closed) {
            return;
        }
        closed = true;
        scanner.pause();
        ServerConnection s = server;
        server = null;
        if (s != null) {
            if (scanner.streaming()) {
                // part of a message reached the server and the rest never will: nothing can resync it
                s.close(DisconnectReason.CLIENT_GONE_DIRTY);
            } else {
                s.clientGone();
            }
        }
        session.closed(reason);
    }

    /** From any thread (admin KILL_CLIENT and the like): closes this client on its own loop. */
    public void closeAsync(String sqlState, String message, DisconnectReason reason) {
        failFromPool(sqlState, message, reason);
    }

    /** From the cancel registry: forward a cancel to this client's server if it runs something. */
    public void cancelRequested() {
        channel.eventLoop().execute(() -> {
            ServerConnection s = server;
            if (s != null) {
                s.cancelRunning();
            }
        });
    }

    private void block(int reason, boolean on) {
        int before = readBlockers;
        readBlockers = on ? before | reason : before & ~reason;
        if ((before == 0) != (readBlockers == 0)) {
            channel.config().setAutoRead(readBlockers == 0);
        }
    }

    @Override
    public String toString() {
        return "client " + session.id();
    }
}
