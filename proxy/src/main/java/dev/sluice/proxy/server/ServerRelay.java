// A server channel's handler: relays replies to the linked client, counts requests, releases at ReadyForQuery.
package dev.sluice.proxy.server;

import dev.sluice.config.PoolMode;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.ParameterStatus;
import dev.sluice.protocol.Query;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.ServerState;
import dev.sluice.proxy.prepared.PreparedRelay;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot half of a {@link ServerConnection}: everything a reply reads or changes is a plain field here, so the
 * relay touches no other object per message. Threading: runs on the server's loop, which is also its linked
 * client's loop (the pool moves a server to the client's loop before linking). Reply bookkeeping
 * ({@link #outstanding}, {@link #swallow}) is updated by the client as it forwards requests and by this class
 * as replies come back.
 */
final class ServerRelay extends ChannelInboundHandlerAdapter implements FrameScanner.Inspector {
    // the server's log lines keep the logger name operators know them by
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

    private final ServerConnection server;
    private final Pool pool;
    private final FrameScanner scanner;
    private volatile ServerState state = ServerState.LOGIN;
    /** Until the backend's ReadyForQuery ends the login. */
    private ServerLogin login;
    /** The connection's prepared-statement rewriting (or null), set once at login. */
    private PreparedRelay prepared;

    // link state, on the shared loop
    private ClientConnection client;
    /** Leading ReadyForQuery-terminated replies that answer Sluice's own queries, not the client's. */
    private int swallow;
    private ErrorResponse internalError;
    private ServerConnection.InternalDone internalDone;
    private boolean releaseAfterFlush;
    private boolean wroteToClient;
    private final ChannelFutureListener afterClientFlush = f -> maybeRelease();
    /** When the first of the outstanding requests was sent, for the query duration histogram. */
    private long queryStartNanos;

    // Reply bookkeeping, changed only by this class; ServerConnection's delegates and ServerCleanup read it as is
    /** Requests sent whose ReadyForQuery has not come back (Query, Sync, FunctionCall). */
    int outstanding;
    /** Extended-protocol messages sent since the last Sync: the server holds state for this client. */
    boolean unsynced;
    boolean copyIn;
    byte txStatus = 'I';
    int cancelsInFlight;
    // Clock stamps for the janitor (plain fields: it reads them racily to pick candidates, then re-checks on
    // this loop): the last ReadyForQuery, when the oldest outstanding request was sent, when the transaction began
    long readyNanos;
    long requestNanos;
    long transactionNanos;

    ServerRelay(ServerConnection server, Pool pool, int maxMessage) {
        this.server = server;
        this.pool = pool;
        this.scanner = new FrameScanner(this, maxMessage);
    }

    ServerState state() {
        return state;
    }

    void state(ServerState next) {
        state = next;
    }

    void login(ServerLogin l) {
        login = l;
    }

    /** Login is over: from here on messages are replies. Returns the prepared-statement rewriting, if any. */
    PreparedRelay loggedIn(Channel ch) {
        login = null;
        if (pool.rewritesPrepared()) {
            prepared = new PreparedRelay(ch, pool.settings().maxPreparedStatements(), pool.statementRegistry(),
                    () -> txStatus == 'I', pool.stats());
        }
        return prepared;
    }

    ClientConnection client() {
        return client;
    }

    void client(ClientConnection c) {
        client = c;
    }

    /** Unlinks the client, if any, and returns it. */
    ClientConnection takeClient() {
        ClientConnection c = client;
        client = null;
        return c;
    }

    boolean swallowing() {
        return swallow > 0;
    }

    // ------------------------------------------------------------------ requests from the linked client

    /** The client forwarded a message of this type (counted before the bytes are written). */
    void requestSent(byte type) {
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

    /** True while the server holds per-client state: the link must stay. */
    boolean busy() {
        return outstanding > 0 || swallow > 0 || unsynced || copyIn || txStatus != 'I' || cancelsInFlight > 0
                || (prepared != null && !prepared.idle());
    }

    /** Sends one of Sluice's own queries ahead of the client's work; its replies never reach the client. */
    void runInternal(Channel ch, String sql, ServerConnection.InternalDone done) {
        swallow++;
        internalError = null;
        internalDone = done;
        ByteBuf out = ch.alloc().buffer(sql.length() + 8);
        new Query(sql).encode(out);
        ch.write(out, ch.voidPromise());
    }

    /** A client's cancel is worth sending only while the backend runs something. */
    boolean running() {
        return outstanding > 0 || copyIn;
    }

    void cancelSent() {
        cancelsInFlight++;
    }

    /** The cancel connection is done; the link (or clean-up) may have been waiting for it. */
    void cancelDone() {
        cancelsInFlight--;
        if (client == null && state == ServerState.USED) {
            ServerCleanup.drained(server);
        } else if (client != null && !busy()) {
            maybeRelease();
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
            c.clientSink().flush();
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
                client.clientSink().flush();
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
            return login.onMessage(server, type, buf, index, length); // after it, LOGIN only runs connect_query
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
                        ServerCleanup.drained(server);
                    }
                    return Action.CONSUME;
                }
                return readyForQuery();
            }
            case 'S' -> {
                ParameterStatus ps = ParameterStatus.decode(buf.slice(index + 5, length - 5));
                server.params().reported(ps.name(), ps.value());
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
                        log.info("server {} ({}) reported while idle: {}", server.id(), server.backend().address(),
                                internalError);
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
        c.unlinked(server);
        client = null;
        if (prepared != null) {
            prepared.unlink();
        }
        pool.release(server, c);
        scanner.resume();
    }

    private void finishInternal() {
        ServerConnection.InternalDone done = internalDone;
        ErrorResponse error = internalError;
        internalDone = null;
        internalError = null;
        if (done != null) {
            done.done(error);
        }
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

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        scanner.release();
        server.channelClosed(state);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ClientConnection c = client;
        if (c != null) {
            c.serverWritable(ctx.channel().isWritable());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("server {} to {}: {}", server.id(), server.backend().address(), ServerConnection.describe(cause));
        ctx.close();
    }
}
