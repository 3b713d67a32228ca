// SHOW CLIENTS and SHOW SERVERS: one row per connection, PgBouncer's socket columns plus Sluice's at the end.
package dev.sluice.proxy.admin;

import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.client.ClientSession;
import dev.sluice.proxy.pool.ClientState;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.ServerState;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.tls.ClientTlsUpgrade;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * Columns as PgBouncer's admin.c socket_header (SKF_STD), then {@code xact_start} and {@code xact_age}
 * (seconds the current transaction has held a server): who holds a server, and for how long.
 */
final class ShowSockets {
    private static final String TYPES = "ssssssisiTTiiississii" + "TN";
    private static final String[] COLUMNS = {
        "type", "user", "database", "replication", "state", "addr", "port", "local_addr", "local_port",
        "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link", "remote_pid", "tls",
        "application_name", "prepared_statements", "id",
        "xact_start", "xact_age"};

    private ShowSockets() {
    }

    static Result clients(List<Pool> pools) {
        Result r = Result.rows(TYPES, COLUMNS);
        long now = System.nanoTime();
        long wallNow = System.currentTimeMillis();
        for (Pool p : pools) {
            for (ClientConnection c : p.clientList()) {
                ClientSession s = c.session();
                ServerConnection linked = c.server();
                ClientState st = c.state();
                long waited = st == ClientState.WAITING ? now - c.waitStartNanos() : 0;
                boolean inXact = linked != null && st == ClientState.ACTIVE;
                long xactStartNanos = inXact ? linked.linkedAtNanos() : 0;
                Instant xactStart = inXact ? Instant.ofEpochMilli(wallNow - (now - xactStartNanos) / 1_000_000) : null;
                SocketAddress local = c.channel() == null ? null : c.channel().localAddress();
                r.row("C", s.user(), p.key().database(), "none",
                        st == ClientState.WAITING ? "waiting" : st == ClientState.ACTIVE ? "active" : "idle",
                        host(s.address()), port(s.address()), host(local), port(local),
                        Instant.ofEpochMilli(s.connectedAt()), xactStart != null ? xactStart : Instant.ofEpochMilli(s.connectedAt()),
                        waited / 1_000_000_000, (waited / 1000) % 1_000_000, 0,
                        Integer.toHexString(s.id()), linked == null ? "" : "s" + Long.toHexString(linked.id()), 0,
                        c.channel() == null ? "" : ClientTlsUpgrade.summary(c.channel()),
                        s.applicationName() == null ? "" : s.applicationName(), s.preparedCount(), s.id(),
                        xactStart, inXact ? String.format("%.3f", (now - xactStartNanos) / 1e9) : null);
            }
        }
        return r;
    }

    static Result servers(List<Pool> pools) {
        Result r = Result.rows(TYPES, COLUMNS);
        long now = System.nanoTime();
        long wallNow = System.currentTimeMillis();
        for (Pool p : pools) {
            for (ServerConnection s : p.serverList()) {
                ServerState st = s.state();
                ClientConnection c = s.client();
                boolean inXact = c != null && st == ServerState.ACTIVE;
                Instant linkedAt = inXact ? Instant.ofEpochMilli(wallNow - (now - s.linkedAtNanos()) / 1_000_000) : null;
                // a unix-socket server: addr and local_addr are 'unix' and port the backend's, as PgBouncer shows them
                boolean unix = s.backend().isUnix();
                SocketAddress local = s.channel() == null ? null : s.channel().localAddress();
                SocketAddress remote = s.channel() == null ? null : s.channel().remoteAddress();
                r.row("S", s.backend().user(), p.key().database(), "none", state(st),
                        unix ? "unix" : remote != null ? host(remote) : s.backend().host(),
                        unix || remote == null ? s.backend().port() : port(remote),
                        unix ? "unix" : host(local), unix ? s.backend().port() : port(local),
                        Instant.ofEpochMilli(s.createdMillis()), linkedAt != null ? linkedAt : Instant.ofEpochMilli(s.createdMillis()),
                        0, 0, s.closeNeeded() ? 1 : 0, "s" + Long.toHexString(s.id()),
                        c == null ? "" : Integer.toHexString(c.session().id()), s.processId(),
                        s.channel() == null ? "" : ClientTlsUpgrade.summary(s.channel()),
                        s.params().values().getOrDefault("application_name", ""),
                        s.prepared() == null ? 0 : s.prepared().statements().size(), s.id(),
                        linkedAt, inXact ? String.format("%.3f", (now - s.linkedAtNanos()) / 1e9) : null);
            }
        }
        return r;
    }

    private static String state(ServerState st) {
        return switch (st) {
            case LOGIN -> "new";
            case IDLE -> "idle";
            case ACTIVE -> "active";
            case USED -> "used";
            case TESTING -> "tested";
            case CLOSED -> "closed";
        };
    }

    private static String host(SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress().getHostAddress() : "";
    }

    private static int port(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getPort() : 0;
    }
}
