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
 * removes it (or fails the login when server_tls_sslmode requires TLS). Bytes after the 'S' that arrived in
 * plain text are refused (the CVE-2021-23214 pattern: a man in the middle injecting a reply).
 */
final class ServerTlsStart extends ChannelInboundHandlerAdapter {
    private final ServerTls tls;
    private final Backend backend;
    private final Executor handshakes;
    private final ServerConnection server;
    private final ServerLogin login;
    private boolean answered;

    private ServerTlsStart(ServerTls tls, Backend backend, Executor handshakes, ServerConnection server,
            ServerLogin login) {
        this.tls = tls;
        this.backend = backend;
        this.handshakes = handshakes;
        this.server = server;
        this.login = login;
    }

    /** Sends SSLRequest on the freshly connected {@code ch}; the login starts once TLS is settled. */
    static void begin(Channel ch, ServerTls tls, Executor handshakes, ServerConnection server, ServerLogin login) {
        ch.pipeline().addFirst(new ServerTlsStart(tls, server.backend(), handshakes, server, login));
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
                    server.failLogin(SqlState.PROTOCOL_VIOLATION, "backend " + backend.address()
                            + " sent unencrypted data after accepting TLS; refusing the connection");
                    return;
                }
                startTls(ctx);
            } else if (answer == SslRequest.REFUSE) {
                if (tls.required()) {
                    server.failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "backend "
                            + backend.address() + " does not accept TLS, but server_tls_sslmode = " + tls.mode());
                    return;
                }
                ctx.pipeline().remove(this);
                login.start(ctx.channel(), false, null);
            } else {
                // PostgreSQL before 7.x or something else entirely: an ErrorResponse instead of S/N
                server.failLogin(SqlState.PROTOCOL_VIOLATION, "backend " + backend.address()
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
                server.failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "TLS with backend "
                        + backend.address() + " failed (server_tls_sslmode = " + tls.mode() + "): "
                        + ServerConnection.describe(f.cause()));
                return;
            }
            login.start(ch, true, endPoint(h));
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
        server.failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "TLS negotiation with backend "
                + backend.address() + " failed: " + ServerConnection.describe(cause));
    }
}
