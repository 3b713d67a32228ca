// How a client ends: one FATAL ErrorResponse while it can still be told, then its server and pool let go, once.
package dev.sluice.proxy.client;

import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.tls.ClientTlsUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One per client, on its loop; every way out ({@link ClientConnection#fatal}, {@code close}, errors) ends here. */
final class Disconnect {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class); // the name logs had before

    private final Proxy proxy;
    private final ClientConnection conn;
    private final ClientSession session;
    private final FrameScanner scanner;
    /** Set once the client was detached: the pool no longer knows this client. */
    private boolean closed;

    Disconnect(Proxy proxy, ClientConnection conn, ClientSession session, FrameScanner scanner) {
        this.proxy = proxy;
        this.conn = conn;
        this.session = session;
        this.scanner = scanner;
    }

    boolean closed() {
        return closed;
    }

    /** An exception reached the end of the client's pipeline. */
    void caught(Throwable cause) {
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

    /** Sends a FATAL ErrorResponse, then closes once it is written. */
    void fatal(String sqlState, String message, DisconnectReason reason) {
        Channel channel = conn.channel();
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

    /** Ends the client; a linked server is cleaned up for reuse or closed. Idempotent. */
    void close(DisconnectReason reason) {
        detach(reason);
        conn.channel().close();
    }

    private void detach(DisconnectReason reason) {
        if (closed) {
            return;
        }
        closed = true;
        scanner.pause();
        ServerConnection s = conn.dropServer();
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
}
