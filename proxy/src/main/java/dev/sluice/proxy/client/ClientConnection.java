// One client connection: startup, login, then relaying its requests to whichever server its pool links it to.
package dev.sluice.proxy.client;

import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.StartupPacket;
import dev.sluice.protocol.Wire;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.admin.AdminSession;
import dev.sluice.proxy.pool.ClientState;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.relay.ChannelSink;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.relay.FrameScanner.Action;
import dev.sluice.proxy.server.ServerConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * Lives on one event loop: the Netty handler, and the relay of the client's messages to its linked server (the
 * hot path, kept here so that it reads plain fields of this object). {@link ServerLink} links a server for each
 * transaction and pauses reads while there is none; {@link Disconnect} ends the client.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter
        implements FrameScanner.Inspector, AdminSession.Reader {
    private final Proxy proxy;
    private final FrameScanner scanner;
    private final ClientSession session;
    private final ServerLink link;
    private final Disconnect disconnect;
    private Channel channel;
    private int loopIndex;
    private volatile ClientState state = ClientState.LOGIN;
    private volatile long waitStartNanos;
    /** The admin console session when this client connected to the virtual pgbouncer database. */
    private AdminSession admin;
    private ServerConnection server;
    private boolean wroteToServer;
    private ChannelSink clientSink;
    /** {@link Clock} time of the last bytes from the client (client_idle_timeout). */
    private long lastReadNanos = Clock.now();
    /** The head of the last Query/Parse, kept only for the idle_transaction_timeout log line; else null. */
    private LastStatement lastStatement;

    public ClientConnection(Proxy proxy) {
        this.proxy = proxy;
        this.scanner = new FrameScanner(this, proxy.maxMessageLength());
        this.session = new ClientSession(proxy, this);
        this.link = new ServerLink(proxy, this, session, scanner);
        this.disconnect = new Disconnect(proxy, this, session, scanner);
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
    public ChannelSink clientSink() {
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
        if (disconnect.closed()) {
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
            link.begin();
        } else if (server == null && scanner.buffered() > ServerLink.WAITING_BUFFER_LIMIT) {
            link.block(ServerLink.WAITING_FOR_SERVER, true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null && (wroteToServer || (s.prepared() != null && s.prepared().takeWrote()))) {
            s.flush();
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
        link.block(ServerLink.SERVER_UNWRITABLE, !writable);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close(DisconnectReason.CLIENT_CLOSE);
        scanner.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        disconnect.caught(cause);
    }

    // ------------------------------------------------------------------ login (called by ClientSession)

    /** Authentication needs password messages: scan what is buffered and what comes. */
    void scanLogin() {
        scanner.resume();
    }

    boolean isClosed() {
        return disconnect.closed();
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
        link.joined(pool);
    }

    @Override
    public void pauseReading() {
        scanner.pause();
    }

    @Override
    public void resumeReading() {
        if (!disconnect.closed()) {
            // a console client that pipelined a lot while a command waited
            link.block(ServerLink.WAITING_FOR_SERVER, false);
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

    /** The pool linked a server to this client; runs on this client's loop, which is now the server's too. */
    public void linked(ServerConnection s) {
        if (disconnect.closed()) {
            // left while waiting: the server never saw this client's work
            s.client(null);
            session.pool().release(s);
            return;
        }
        server = s;
        link.linked(s);
    }

    /** The server left this client after a finished transaction. */
    public void unlinked(ServerConnection s) {
        if (server != s) {
            return;
        }
        server = null;
        link.unlinked(s);
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
            s.flush();
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
        disconnect.fatal(sqlState, message, reason);
    }

    /** Ends the client; a linked server is cleaned up for reuse or closed. Idempotent, on this loop. */
    @Override
    public void close(DisconnectReason reason) {
        disconnect.close(reason);
    }

    /** The client is ending: the server it had, if any, is no longer linked. */
    ServerConnection dropServer() {
        ServerConnection s = server;
        server = null;
        return s;
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

    @Override
    public String toString() {
        return "client " + session.id();
    }
}
