// Turns an accepted client connection into a TLS one (after SSLRequest 'S' or for direct TLS) and answers what it carries.
package dev.sluice.proxy.tls;

import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.SqlState;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executor;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClientTls} a connection was upgraded with is kept as a channel attribute: later steps (SCRAM's
 * channel binding, auth_type cert) read the exact certificate hash and engine of that handshake.
 */
public final class ClientTlsUpgrade {
    private static final Logger log = LoggerFactory.getLogger("dev.sluice.proxy.client");
    private static final AttributeKey<ClientTls> TLS = AttributeKey.valueOf("sluice.clientTls");
    static final String HANDLER = "tls";

    private ClientTlsUpgrade() {
    }

    /**
     * Creates the SslHandler and watches its handshake; the caller puts it in the pipeline (first for the
     * SSLRequest path, in place of the sniffer for direct TLS).
     *
     * @param direct the connection began with a ClientHello: ALPN "postgresql" is then mandatory (PostgreSQL 17)
     */
    static SslHandler newHandler(Channel ch, ClientTls tls, Executor handshakes, boolean direct) {
        SslHandler h = tls.context().newHandler(ch.alloc(), handshakes);
        ch.attr(TLS).set(tls);
        h.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                log.info("client {}: TLS handshake failed: {}", ch.remoteAddress(), describe(f.cause()));
                ch.close();
            } else if (direct && !TlsSetup.ALPN_POSTGRESQL.equals(h.applicationProtocol())) {
                // as PostgreSQL 17: direct TLS without ALPN may be a client that was tricked into it
                refuse(ch, SqlState.PROTOCOL_VIOLATION,
                        "received direct SSL connection request without ALPN protocol negotiation extension");
            }
        });
        return h;
    }

    /** Answers an SSLRequest with 'S' and starts the handshake; the 'S' leaves before the SslHandler exists. */
    public static void accept(Channel ch, ClientTls tls, Executor handshakes) {
        ch.writeAndFlush(ch.alloc().buffer(1).writeByte('S'));
        ch.pipeline().addFirst(HANDLER, newHandler(ch, tls, handshakes, false));
    }

    /** True once the connection runs TLS (the handshake completes before any startup packet is read). */
    public static boolean active(Channel ch) {
        return ch.pipeline().get(SslHandler.class) != null;
    }

    /**
     * "TLSv1.3/TLS_AES_256_GCM_SHA384" for a TLS connection, "" otherwise: what PgBouncer's SHOW CLIENTS and
     * SHOW SERVERS put in their tls column.
     */
    public static String summary(Channel ch) {
        SslHandler h = ch.pipeline().get(SslHandler.class);
        if (h == null || !h.handshakeFuture().isSuccess()) {
            return "";
        }
        return h.engine().getSession().getProtocol() + "/" + h.engine().getSession().getCipherSuite();
    }

    /** tls-server-end-point data for SCRAM-SHA-256-PLUS on this connection, or null (no TLS, or not computable). */
    public static byte[] endPoint(Channel ch) {
        ClientTls tls = ch.attr(TLS).get();
        return tls != null && active(ch) ? tls.endPoint() : null;
    }

    /** The CN of the client's verified certificate, or null when there is no TLS or no certificate. */
    public static String peerCommonName(Channel ch) {
        SslHandler h = ch.pipeline().get(SslHandler.class);
        if (h == null) {
            return null;
        }
        try {
            Certificate[] chain = h.engine().getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
                return null;
            }
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return null;
        }
    }

    /** True for failures of the TLS layer itself: bad handshakes, plain bytes on a TLS connection. */
    public static boolean isTlsFailure(Throwable cause) {
        Throwable t = cause;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof SSLException || t instanceof NotSslRecordException) {
                return true;
            }
        }
        return false;
    }

    static void refuse(Channel ch, String sqlState, String message) {
        log.info("client {} refused: {} {}", ch.remoteAddress(), sqlState, message);
        ByteBuf out = ch.alloc().buffer(64 + message.length());
        ErrorResponse.fatal(sqlState, message).encode(out);
        ch.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
