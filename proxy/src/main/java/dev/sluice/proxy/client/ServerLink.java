// Linking a client to a server for each transaction and back, and pausing the client's reads meanwhile.
package dev.sluice.proxy.client;

import dev.sluice.config.PoolMode;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.pool.ClientState;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolUnavailableException;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.server.ServerConnection;
import io.netty.channel.Channel;

/**
 * One per client, on its loop. In transaction mode the client owns no server between transactions: its first
 * message makes it wait for one ({@link Pool#acquire}), the server is given the client's settings, the messages
 * are relayed once linked, and the server unlinks itself when the transaction's ReadyForQuery has been written
 * and nothing is outstanding. The linked server itself is {@link ClientConnection#server()}: the relay reads it
 * per message, so it lives there and only {@link ClientConnection#linked}/{@link ClientConnection#unlinked} set it.
 */
final class ServerLink {
    /** Reasons reading from the client is paused; reading resumes when none is left. */
    static final int WAITING_FOR_SERVER = 1;
    static final int SERVER_UNWRITABLE = 2;
    /**
     * A client waiting for a server is only stopped from reading once it has buffered this much: a client
     * usually waits for its reply, and toggling reads costs two epoll_ctl calls per transaction.
     */
    static final int WAITING_BUFFER_LIMIT = 256 * 1024;

    private final Proxy proxy;
    private final ClientConnection conn;
    private final ClientSession session;
    private final FrameScanner scanner;
    private int readBlockers;

    ServerLink(Proxy proxy, ClientConnection conn, ClientSession session, FrameScanner scanner) {
        this.proxy = proxy;
        this.conn = conn;
        this.session = session;
        this.scanner = scanner;
    }

    /** Logged in and added to {@code pool}: finish login once the pool knows its server parameters. */
    void joined(Pool pool) {
        if (pool.welcome() != null && pool.mode() != PoolMode.SESSION) {
            session.sendWelcome(pool.welcome());
            conn.channel().flush();
            if (scanner.hasBuffered()) {
                begin();
            }
            return;
        }
        // the pool has never logged in to its backend (or this is session mode): get a server first
        begin();
    }

    /** The first message of a transaction is buffered: get a server for it, now or when the pool has one. */
    void begin() {
        if (scanner.peekType() == 'X') {
            conn.close(DisconnectReason.CLIENT_CLOSE);
            return;
        }
        if (proxy.draining()) {
            // a transaction boundary while Sluice shuts down: the client reconnects elsewhere (57P01 is retryable)
            conn.fatal(SqlState.ADMIN_SHUTDOWN, Lifecycle.SHUTDOWN_MESSAGE, DisconnectReason.SHUTDOWN);
            return;
        }
        ServerConnection s;
        try {
            s = session.pool().acquire(conn);
        } catch (PoolUnavailableException e) {
            conn.fatal(e.failure().sqlState(), e.getMessage(), e.reason());
            return;
        }
        if (s != null) {
            conn.linked(s);
        }
    }

    /** {@code s} was just made this client's server: bring it in line with the client, then relay. */
    void linked(ServerConnection s) {
        Channel channel = conn.channel();
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
                conn.fatal(SqlState.INVALID_PARAMETER_VALUE, "could not apply this connection's settings on the"
                        + " server: " + error.message(), DisconnectReason.PROTOCOL_VIOLATION);
                return;
            }
            session.synced(s);
            relay();
        });
        s.flush();
    }

    private void relay() {
        ServerConnection s = conn.server();
        block(WAITING_FOR_SERVER, false);
        scanner.resume();
        if (s == conn.server() && s != null) {
            s.flush();
            if (!scanner.hasBuffered() && !s.busy() && session.pool().mode() != PoolMode.SESSION) {
                // linked only to learn the pool's parameters at login: give the server back right away
                conn.unlinked(s);
                s.client(null);
                if (s.prepared() != null) {
                    s.prepared().unlink();
                }
                session.pool().release(s, conn);
            }
        }
    }

    /** {@code s}, no longer this client's server, left after a finished transaction. */
    void unlinked(ServerConnection s) {
        if (!s.channel().config().isAutoRead()) {
            s.channel().config().setAutoRead(true); // a slow reader had paused it; setting it is an atomic swap
        }
        scanner.pause();
        if (!conn.isClosed()) {
            // the server's fullness no longer concerns this client: reading resumes if that was the only reason
            block(SERVER_UNWRITABLE, false);
            if (scanner.hasBuffered()) {
                conn.channel().eventLoop().execute(() -> {
                    if (conn.state() == ClientState.IDLE && !conn.isClosed() && scanner.hasBuffered()) {
                        begin();
                    }
                });
            }
        }
    }

    void block(int reason, boolean on) {
        int before = readBlockers;
        readBlockers = on ? before | reason : before & ~reason;
        if ((before == 0) != (readBlockers == 0)) {
            conn.channel().config().setAutoRead(readBlockers == 0);
        }
    }
}
