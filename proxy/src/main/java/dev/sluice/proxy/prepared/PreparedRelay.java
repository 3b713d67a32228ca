// Prepared statements in transaction mode: rewrites a client's named statements onto whichever server it has.
package dev.sluice.proxy.prepared;

import static dev.sluice.proxy.prepared.ReplyQueue.BIND;
import static dev.sluice.proxy.prepared.ReplyQueue.CLIENT_PARSE;
import static dev.sluice.proxy.prepared.ReplyQueue.CLOSE;
import static dev.sluice.proxy.prepared.ReplyQueue.DESCRIBE;
import static dev.sluice.proxy.prepared.ReplyQueue.EXECUTE;
import static dev.sluice.proxy.prepared.ReplyQueue.INJECTED_CLOSE;
import static dev.sluice.proxy.prepared.ReplyQueue.INJECTED_PARSE;
import static dev.sluice.proxy.prepared.ReplyQueue.PARSE;
import static dev.sluice.proxy.prepared.ReplyQueue.QUERY;
import static dev.sluice.proxy.prepared.ReplyQueue.SYNC;
import static dev.sluice.proxy.prepared.ReplyQueue.SYNTH_CLOSE;
import static dev.sluice.proxy.prepared.ReplyQueue.SYNTH_PARSE;

import dev.sluice.protocol.Close;
import dev.sluice.protocol.Describe;
import dev.sluice.protocol.Parse;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.Wire;
import dev.sluice.proxy.pool.PoolStats;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * One per server connection, on its event loop. Client messages are handled in {@link #fromClient}: a named
 * Parse/Bind/Describe/Close is rewritten to the statement's server name, a Parse is injected where the server
 * lacks the statement, and Close (or a Parse the server already has) is answered by Sluice. Every message
 * sent leaves an entry in a {@link ReplyQueue}; {@link ServerReplies} walks the replies against it, hiding
 * replies to Sluice's own messages, emitting Sluice's own replies at their place, and undoing the effects of
 * messages PostgreSQL skipped after an error (it skips to Sync, and so does the queue).
 */
public final class PreparedRelay {
    private final ServerStatements statements;
    /** Hit/miss/eviction counters of the server's pool (LongAdders: safe from this loop, read at scrape). */
    private final PoolStats stats;
    private final ReplyQueue queue = new ReplyQueue();
    private final Channel server;
    private final StatementRegistry registry;
    /** True while the server is outside a transaction block (status 'I'). */
    private final BooleanSupplier implicitTx;
    private final StalePlanRetry retry = new StalePlanRetry();
    private final ServerReplies replies;
    private ClientStatements client;
    private Statement lastBound;
    private String lastBoundName;
    /**
     * PostgreSQL reported an error in an extended-protocol batch whose Sync it has not received yet: it
     * ignores every message until that Sync, so they get no entries and no effects.
     */
    private boolean skipping;
    /** Sluice wrote to the server itself (rewritten or injected messages): the read must end with a flush. */
    private boolean wrote;

    public PreparedRelay(Channel server, int maxPrepared, StatementRegistry registry, BooleanSupplier implicitTx,
                         PoolStats stats) {
        this.stats = stats;
        this.server = server;
        this.registry = registry;
        this.implicitTx = implicitTx;
        this.statements = new ServerStatements(maxPrepared);
        this.replies = new ServerReplies(this, queue, statements, registry, retry);
    }

    /** Starts a link: replies Sluice makes itself go to {@code toClient}. */
    public void link(ClientStatements statements, Channel toClient) {
        this.client = statements;
        replies.toClient(toClient);
    }

    /** The client left or the server went back to the pool; pending entries still need their replies. */
    public void unlink() {
        client = null;
        replies.toClient(null);
        lastBound = null;
        lastBoundName = null;
        retry.reset();
    }

    /** Whether Sluice wrote messages of its own since the last call. */
    public boolean takeWrote() {
        boolean w = wrote;
        wrote = false;
        return w;
    }

    private void write(ByteBuf message) {
        wrote = true;
        server.write(message, server.voidPromise());
    }

    /** True when no reply is owed. */
    public boolean idle() {
        return queue.isEmpty();
    }

    public ServerStatements statements() {
        return statements;
    }

    /** Sluice's clean-up sent a Sync of its own. */
    public void syncSent() {
        queue.add(SYNC, null, null);
    }

    // ------------------------------------------------------------------ client -> server

    public boolean needsBody(byte type) {
        return type == 'P' || type == 'D' || type == 'C';
    }

    public int prefixNeeded(byte type) {
        return type == 'B' ? 5 + 2 * 1024 : 5; // portal and statement names are short identifiers
    }

    public Action fromClient(byte type, ByteBuf buf, int index, int length, boolean whole, FrameScanner scanner) {
        if (retry.recording()) {
            retry.add(type, whole ? buf.retainedSlice(index, length) : null);
        }
        if (skipping) {
            if (type == 'S') {
                skipping = false;
                queue.add(SYNC, null, null);
            }
            return Action.FORWARD;
        }
        switch (type) {
            // unnamed statements and portals (the common case outside prepared mode) are tracked undecoded
            case 'P' -> {
                return buf.getByte(index + 5) == 0 ? track(PARSE)
                        : parse(Parse.decode(buf.slice(index + 5, length - 5)), scanner);
            }
            case 'B' -> {
                return bind(buf, index, length, whole, scanner);
            }
            case 'D' -> {
                return buf.getByte(index + 5) != 'S' || buf.getByte(index + 6) == 0 ? track(DESCRIBE)
                        : describe(Describe.decode(buf.slice(index + 5, length - 5)), scanner);
            }
            case 'C' -> {
                return buf.getByte(index + 5) != 'S' || buf.getByte(index + 6) == 0 ? track(CLOSE)
                        : close(Close.decode(buf.slice(index + 5, length - 5)));
            }
            case 'E' -> queue.add(EXECUTE, lastBound, lastBoundName);
            case 'S' -> queue.add(SYNC, null, null);
            case 'Q' -> {
                return whole ? SqlCommands.query(this, buf, index, length, scanner) : track(QUERY);
            }
            case 'F' -> queue.add(QUERY, null, null);
            default -> { } // Flush, CopyData/Done/Fail: no reply of their own
        }
        return Action.FORWARD;
    }

    private Action parse(Parse p, FrameScanner scanner) {
        if (p.name().isEmpty()) {
            return track(PARSE);
        }
        Statement existing = client.get(p.name());
        if (existing != null) {
            // PostgreSQL answers 42P05 here: let the server say it by preparing the same server name again
            scanner.flushBeforeCurrent();
            ensurePrepared(existing);
            send(new Parse(existing.serverName(), p.query(), p.paramTypes()));
            queue.add(PARSE, null, null);
            return Action.CONSUME;
        }
        if (client.size() >= ClientStatements.MAX_PER_CLIENT) {
            throw new ProtocolException(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many prepared statements: Sluice"
                    + " keeps at most " + ClientStatements.MAX_PER_CLIENT + " per client connection");
        }
        Statement s = registry.acquire(p.query(), p.paramTypes());
        client.put(p.name(), s);
        if (statements.has(s)) {
            stats.preparedHits.increment();
            replies.synthetic(SYNTH_PARSE, s, p.name());
            return Action.CONSUME;
        }
        stats.preparedMisses.increment();
        scanner.flushBeforeCurrent();
        prepare(s, CLIENT_PARSE, p.name());
        return Action.CONSUME;
    }

    private Action bind(ByteBuf buf, int index, int length, boolean whole, FrameScanner scanner) {
        int limit = whole ? index + length : buf.writerIndex();
        int portalEnd = buf.indexOf(index + 5, limit, (byte) 0);
        int nameEnd = portalEnd < 0 ? -1 : buf.indexOf(portalEnd + 1, limit, (byte) 0);
        if (nameEnd < 0) {
            throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid Bind message: names not terminated");
        }
        if (nameEnd == portalEnd + 1) {
            lastBound = null;
            lastBoundName = null;
            return track(BIND); // the unnamed statement: the server has the client's own
        }
        String name = buf.toString(portalEnd + 1, nameEnd - portalEnd - 1, StandardCharsets.UTF_8);
        Statement s = client.get(name);
        lastBound = s;
        lastBoundName = name;
        if (s == null) {
            return track(BIND); // PostgreSQL reports the client's name as missing (26000)
        }
        if (whole && queue.isEmpty() && implicitTx.getAsBoolean()) {
            retry.start(buf.retainedSlice(index, length), s); // kept until ReadyForQuery, for a stale plan
        }
        scanner.flushBeforeCurrent();
        ensurePrepared(s);
        stats.preparedBinds.increment();
        byte[] serverName = s.serverName().getBytes(StandardCharsets.UTF_8);
        int portalLen = portalEnd - (index + 5);
        int oldPrefix = nameEnd + 1 - index;
        ByteBuf head = server.alloc().buffer(portalLen + serverName.length + 7);
        head.writeByte('B').writeInt(length - 1 - (nameEnd - portalEnd - 1) + serverName.length);
        head.writeBytes(buf, index + 5, portalLen + 1).writeBytes(serverName).writeByte(0);
        write(head);
        scanner.skipPrefix(oldPrefix);
        queue.add(BIND, s, name);
        return Action.REPLACE_PREFIX;
    }

    private Action describe(Describe d, FrameScanner scanner) {
        Statement s = d.kind() == Describe.STATEMENT && !d.name().isEmpty() ? client.get(d.name()) : null;
        if (s == null) {
            return track(DESCRIBE);
        }
        scanner.flushBeforeCurrent();
        ensurePrepared(s);
        send(new Describe(Describe.STATEMENT, s.serverName()));
        queue.add(DESCRIBE, null, null);
        return Action.CONSUME;
    }

    private Action close(Close c) {
        if (c.kind() != Close.STATEMENT || c.name().isEmpty()) {
            return track(CLOSE);
        }
        // the server keeps its copy for other clients; the client's name is gone (closing an unknown one is no error)
        Statement s = client.get(c.name());
        if (s != null) {
            s.refs.incrementAndGet(); // kept by the queue entry for a possible undo
            client.remove(c.name());
        }
        replies.synthetic(SYNTH_CLOSE, s, c.name());
        return Action.CONSUME;
    }

    Action track(byte kind) {
        queue.add(kind, null, null);
        return Action.FORWARD;
    }

    // ------------------------------------------------------------------ helpers for SqlCommands

    ClientStatements client() {
        return client;
    }

    /** After DISCARD ALL / DEALLOCATE ALL on the server. */
    void serverCleared() {
        statements.clear();
    }

    void serverDropped(Statement s) {
        statements.remove(s);
    }

    boolean serverHas(Statement s) {
        return statements.has(s);
    }

    void sendQuery(String sql, Statement s, Object effect) {
        ByteBuf out = server.alloc().buffer(sql.length() + 8);
        new dev.sluice.protocol.Query(sql).encode(out);
        write(out);
        queue.add(QUERY, s, effect);
    }

    void trackQuery(Object effect) {
        queue.add(QUERY, null, effect);
    }

    /** Makes sure the server has {@code s} before a message that uses it; injects a Parse when not. */
    private void ensurePrepared(Statement s) {
        if (!statements.has(s)) {
            stats.preparedMisses.increment();
            prepare(s, INJECTED_PARSE, null);
        }
    }

    private void prepare(Statement s, byte kind, String clientName) {
        Statement evicted = statements.add(s);
        if (evicted != null) {
            stats.preparedEvictions.increment();
            sendClose(evicted);
        }
        ByteBuf out = server.alloc().buffer(s.query().length() + 32);
        s.encodeParse(out);
        write(out);
        queue.add(kind, s, clientName);
    }

    private void sendClose(Statement s) {
        send(new Close(Close.STATEMENT, s.serverName()));
        queue.add(INJECTED_CLOSE, s, null);
    }

    private void send(Parse p) {
        ByteBuf out = server.alloc().buffer(p.query().length() + 32);
        p.encode(out);
        write(out);
    }

    private void send(Describe d) {
        ByteBuf out = server.alloc().buffer(d.name().length() + 8);
        d.encode(out);
        write(out);
    }

    private void send(Close c) {
        ByteBuf out = server.alloc().buffer(c.name().length() + 8);
        c.encode(out);
        write(out);
    }

    // ------------------------------------------------------------------ server -> client

    /** A server message before it reaches the client: {@link ServerReplies} matches it against what is owed. */
    public Action fromServer(byte type, ByteBuf buf, int index, int length, FrameScanner scanner) {
        return replies.fromServer(type, buf, index, length, scanner);
    }

    /** An error made PostgreSQL skip the rest of a batch: while {@code on}, nothing up to the client's Sync counts. */
    void skipping(boolean on) {
        skipping = on;
    }

    /** The failed batch's ReadyForQuery was hidden: its bytes, to be relayed again as if the client resent them. */
    public boolean replayDue() {
        return retry.due();
    }

    public ByteBuf takeReplay() {
        return retry.takeReplay(server.alloc());
    }
}
