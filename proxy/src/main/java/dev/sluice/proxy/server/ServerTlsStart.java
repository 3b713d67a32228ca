// Asks PostgreSQL for TLS (SSLRequest) before the StartupMessage and installs the SslHandler when it agrees.
package dev.sluice.proxy.server;

import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.SslRequest;
import dev.sluice.protocol.scram.ChannelBinding;
import dev.sluice.proxy.tls.ServerTls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Sits first in a new server channel's pipeline for one byte: 'S' puts an SslHandler in its place, 'N'
 * removes it (or fails when server_tls_sslmode requires TLS). Bytes after the 'S' that arrived in plain text
 * are refused (the CVE-2021-23214 pattern: a man in the middle injecting a reply). Used by logins and by
 * cancel requests, which carry the backend's key and so get the same protection.
 */
final class ServerTlsStart extends ChannelInboundHandlerAdapter {
    /** What happens once TLS is settled; runs on the channel's loop. */
    interface Outcome {
        /** Go on: {@code tls} tells whether the channel is now encrypted, with the backend certificate's hash. */
        void ready(Channel ch, boolean tls, byte[] endPoint);

        void failed(String sqlState, String message);
    }

    private final ServerTls tls;
    private final Backend backend;
    private final Executor handshakes;
    private final Outcome outcome;
    private boolean answered;

    private ServerTlsStart(ServerTls tls, Backend backend, Executor handshakes, Outcome outcome) {
        this.tls = tls;
        this.backend = backend;
        this.handshakes = handshakes;
        this.outcome = outcome;
    }

    /** True when {@code ch} runs TLS. */
    static boolean encrypted(Channel ch) {
        return ch.pipeline().get(SslHandler.class) != null;
    }

    /** Sends SSLRequest on the freshly connected {@code ch}; {@code outcome} learns how it went. */
    static void begin(Channel ch, ServerTls tls, Executor handshakes, Backend backend, Outcome outcome) {
        ch.pipeline().addFirst(new ServerTlsStart(tls, backend, handshakes, outcome));
        ByteBuf out = ch.alloc().buffer(8);
        SslRequest.INSTANCE.encode(out);
        ch.writeAndFlush(out, ch.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (answered || !in.isReadable()) {
                return;
            }
            answered = true;
            byte answer = in.readByte();
            if (answer == SslRequest.ACCEPT) {
                if (in.isReadable()) {
                    outcome.failed(SqlState.PROTOCOL_VIOLATION, "backend " + backend.address()
                            + " sent unencrypted data after accepting TLS; refusing the connection");
                    return;
                }
                startTls(ctx);
            } else if (answer == SslRequest.REFUSE) {
                if (tls.required()) {
                    outcome.failed(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "backend "
                            + backend.address() + " does not accept TLS, but server_tls_sslmode = " + tls.mode());
                    return;
                }
                ctx.pipeline().remove(this);
                outcome.ready(ctx.channel(), false, null);
            } else {
                // PostgreSQL before 7.x or something else entirely: an ErrorResponse instead of S/N
                outcome.failed(SqlState.PROTOCOL_VIOLATION, "backend " + backend.address()
                        + " answered the SSLRequest with '" + (char) answer + "' instead of S or N");
            }
        } finally {
            in.release();
        }
    }

    private void startTls(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        SslHandler h = tls.context().newHandler(ch.alloc(), backend.host(), backend.port(), handshakes);
        ctx.pipeline().replace(this, "tls", h);
        h.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                outcome.failed(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "TLS with backend "
                        + backend.address() + " failed (server_tls_sslmode = " + tls.mode() + "): "
                        + ServerConnection.describe(f.cause()));
                return;
            }
            outcome.ready(ch, true, endPoint(h));
        });
    }

    /** The backend certificate's tls-server-end-point hash, for SCRAM-SHA-256-PLUS. */
    private static byte[] endPoint(SslHandler h) {
        try {
            Certificate[] chain = h.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate c ? ChannelBinding.tlsServerEndPoint(c) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        outcome.failed(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "TLS negotiation with backend "
                + backend.address() + " failed: " + ServerConnection.describe(cause));
    }
}
