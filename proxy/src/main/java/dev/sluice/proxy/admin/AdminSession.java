// One admin console connection: answers simple and extended protocol messages with AdminCommands results.
package dev.sluice.proxy.admin;

import dev.sluice.config.SluiceConfig;
import dev.sluice.protocol.Bind;
import dev.sluice.protocol.BackendKeyData;
import dev.sluice.protocol.Describe;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.ParameterStatus;
import dev.sluice.protocol.Parse;
import dev.sluice.protocol.Query;
import dev.sluice.protocol.ReadyForQuery;
import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.TransactionStatus;
import dev.sluice.protocol.Wire;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.client.ClientSession;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs on the client's event loop. Extended protocol (pgjdbc: Parse/Bind/Describe/Execute/Sync) is answered
 * from the statement text: Describe runs a SHOW to learn its columns and keeps the result for Execute; a
 * command that waits (PAUSE, WAIT_CLOSE, SUSPEND) stops reading until it finishes, so replies stay in order.
 */
public final class AdminSession {
    /** The virtual database names of the console (PgBouncer's, and Sluice's alias). */
    public static boolean isAdminDatabase(String database) {
        return "pgbouncer".equals(database) || "sluice".equals(database);
    }

    /** What a user may do on the console. */
    public enum Role {
        /** admin_users: every command. */
        ADMIN,
        /** stats_users: SHOW only. */
        STATS
    }

    /** The role of {@code user}, or null when it may not use the console. */
    public static Role roleOf(SluiceConfig config, String user) {
        if (config.adminUsers().contains(user)) {
            return Role.ADMIN;
        }
        return config.statsUsers().contains(user) ? Role.STATS : null;
    }

    /** Reading control over the client connection (implemented by ClientConnection). */
    public interface Reader {
        void pauseReading();

        void resumeReading();

        void close(DisconnectReason reason);
    }

    private final Proxy proxy;
    private final Channel channel;
    private final ClientSession session;
    private final AdminCommands commands;
    private final Reader reader;
    private final Map<String, String> statements = new HashMap<>();
    private final Map<String, String> portals = new HashMap<>();
    /** Results Describe of a portal computed, sent by the portal's Execute. */
    private final Map<String, Result> described = new HashMap<>();
    /** An error in an extended-protocol batch: ignore everything up to Sync. */
    private boolean skipping;

    public AdminSession(Proxy proxy, Channel channel, ClientSession session, Role role, Reader reader) {
        this.proxy = proxy;
        this.channel = channel;
        this.session = session;
        this.reader = reader;
        this.commands = new AdminCommands(proxy, role, session);
    }

    /** AuthenticationOk was written; the console's own ParameterStatus set, cancel key and ReadyForQuery. */
    public void welcome() {
        ByteBuf out = channel.alloc().buffer(256);
        Map<String, String> ps = new LinkedHashMap<>();
        // drivers parse server_version as PostgreSQL's to pick protocol features; the console answers like a 16
        ps.put("server_version", "16.0");
        ps.put("server_encoding", "UTF8");
        ps.put("client_encoding", "UTF8");
        ps.put("DateStyle", "ISO");
        ps.put("TimeZone", "UTC");
        ps.put("integer_datetimes", "on");
        ps.put("standard_conforming_strings", "on");
        ps.put("is_superuser", "off");
        ps.put("application_name", session.applicationName() == null ? "" : session.applicationName());
        ps.forEach((k, v) -> new ParameterStatus(k, v).encode(out));
        new BackendKeyData(session.id(), session.secret()).encode(out);
        new ReadyForQuery(TransactionStatus.IDLE).encode(out);
        channel.writeAndFlush(out, channel.voidPromise());
    }

    /** One whole message from the client ({@code length} counts the 5-byte header). */
    public Action onMessage(byte type, ByteBuf buf, int index, int length) {
        ByteBuf body = buf.slice(index + 5, length - 5);
        if (type == 'X') {
            reader.close(DisconnectReason.CLIENT_CLOSE);
            return Action.CONSUME_AND_PAUSE;
        }
        if (skipping && type != 'S') {
            return Action.CONSUME;
        }
        switch (type) {
            case 'Q' -> {
                return simpleQuery(Query.decode(body).sql());
            }
            case 'P' -> {
                Parse p = Parse.decode(body);
                statements.put(p.name(), p.query());
                write(out -> out.writeByte('1').writeInt(4)); // ParseComplete
            }
            case 'B' -> {
                String portal = Bind.portalName(body.duplicate());
                String stmt = Bind.statementName(body.duplicate());
                String sql = statements.get(stmt);
                if (sql == null) {
                    return fail(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + stmt + "\" does not exist");
                }
                portals.put(portal, sql);
                described.remove(portal);
                write(out -> out.writeByte('2').writeInt(4)); // BindComplete
            }
            case 'D' -> {
                return describe(Describe.decode(body));
            }
            case 'E' -> {
                return execute(Wire.readCString(body)); // the row limit after it is ignored: results are small
            }
            case 'C' -> write(out -> out.writeByte('3').writeInt(4)); // CloseComplete: nothing is kept server-side
            case 'H' -> channel.flush();
            case 'S' -> {
                skipping = false;
                write(out -> new ReadyForQuery(TransactionStatus.IDLE).encode(out));
                channel.flush();
            }
            default -> {
                return fail(SqlState.PROTOCOL_VIOLATION, "unexpected message '" + (char) type + "' on the admin console");
            }
        }
        return Action.CONSUME;
    }

    private Action simpleQuery(String sql) {
        if (sql.isBlank() || sql.strip().equals(";")) {
            write(out -> {
                out.writeByte('I').writeInt(4); // EmptyQueryResponse
                new ReadyForQuery(TransactionStatus.IDLE).encode(out);
            });
            channel.flush();
            return Action.CONSUME;
        }
        return run(sql, true, true);
    }

    private Action describe(Describe d) {
        String sql = d.kind() == Describe.STATEMENT ? statements.get(d.name()) : portals.get(d.name());
        if (sql == null) {
            return fail(SqlState.INVALID_SQL_STATEMENT_NAME, "\"" + d.name() + "\" does not exist");
        }
        if (d.kind() == Describe.STATEMENT) {
            write(out -> out.writeByte('t').writeInt(6).writeShort(0)); // ParameterDescription: no parameters
        }
        if (!AdminCommands.isShow(sql)) {
            write(out -> out.writeByte('n').writeInt(4)); // NoData: commands return no rows
            return Action.CONSUME;
        }
        Result r = commands.show(sql);
        if (r.isError()) {
            write(r::encodeBody);
            skipping = true;
            return Action.CONSUME;
        }
        if (d.kind() == Describe.PORTAL) {
            described.put(d.name(), r);
        }
        write(r::encodeDescription);
        return Action.CONSUME;
    }

    private Action execute(String portal) {
        Result cached = described.remove(portal);
        if (cached != null) {
            write(cached::encodeBody);
            return Action.CONSUME;
        }
        String sql = portals.get(portal);
        if (sql == null) {
            return fail(SqlState.INVALID_SQL_STATEMENT_NAME, "portal \"" + portal + "\" does not exist");
        }
        return run(sql, false, false);
    }

    /** Runs a command; a command that waits pauses reading until its result is written. */
    private Action run(String sql, boolean describe, boolean ready) {
        CompletableFuture<Result> f = commands.run(sql);
        if (f.isDone()) {
            send(f.join(), describe, ready);
            return Action.CONSUME;
        }
        reader.pauseReading();
        f.whenComplete((r, e) -> channel.eventLoop().execute(() -> {
            send(r != null ? r : Result.error(SqlState.INTERNAL_ERROR, String.valueOf(e)), describe, ready);
            reader.resumeReading();
        }));
        return Action.CONSUME_AND_PAUSE;
    }

    private void send(Result r, boolean describe, boolean ready) {
        ByteBuf out = channel.alloc().buffer(1024);
        if (describe && r.hasRows()) {
            r.encodeDescription(out);
        }
        r.encodeBody(out);
        if (r.isError() && !ready) {
            skipping = true;
        }
        if (ready) {
            new ReadyForQuery(TransactionStatus.IDLE).encode(out);
        }
        channel.write(out, channel.voidPromise());
        if (ready) {
            channel.flush();
        }
    }

    private Action fail(String sqlState, String message) {
        skipping = true;
        write(out -> ErrorResponse.error(sqlState, message).encode(out));
        return Action.CONSUME;
    }

    private interface Encoder {
        void encode(ByteBuf out);
    }

    private void write(Encoder e) {
        ByteBuf out = channel.alloc().buffer(64);
        e.encode(out);
        channel.write(out, channel.voidPromise());
    }
}
