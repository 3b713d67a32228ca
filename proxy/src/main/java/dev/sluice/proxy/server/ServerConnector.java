// Opens TCP or unix-socket connections to backends on a chosen event loop: server logins and one-shot cancels.
package dev.sluice.proxy.server;

import dev.sluice.protocol.CancelRequest;
import dev.sluice.proxy.tls.ServerTls;
import dev.sluice.proxy.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.ReferenceCountUtil;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two bootstrap templates (channel type and socket options) shared by every server connection: TCP, and unix
 * domain sockets for a host naming a socket directory (epoll only; null where the transport has none).
 */
public final class ServerConnector {
    private static final Logger log = LoggerFactory.getLogger(ServerConnector.class);
    /** Bounds a cancel's TCP connect even when cancel_wait_timeout is 0 (forever). */
    private static final long CANCEL_CONNECT_TIMEOUT_MILLIS = 30_000;
    private final Bootstrap template;
    private final Bootstrap unixTemplate;
    /** Cancel connections in flight, with when they started: the janitor closes those past cancel_wait_timeout. */
    private final Map<Channel, Long> cancels = new ConcurrentHashMap<>();
    private final TlsContexts tls;

    /**
     * @param template channel class and options set; handler and group are filled in per connection
     * @param tls read at each connect, so a reload applies to the next server login
     */
    public ServerConnector(Bootstrap template, TlsContexts tls) {
        this(template, null, tls);
    }

    /** @param unixTemplate domain-socket channel class, no TCP options; null when unix sockets are unavailable */
    public ServerConnector(Bootstrap template, Bootstrap unixTemplate, TlsContexts tls) {
        this.template = template;
        this.unixTemplate = unixTemplate;
        this.tls = tls;
    }

    /** Whether a backend host naming a socket directory can be connected to with this transport. */
    public boolean unixSockets() {
        return unixTemplate != null;
    }

    /** The template for the backend's kind of address, with handler and loop filled in. */
    private Bootstrap bootstrap(EventLoop loop, Backend backend, ChannelHandler handler) {
        if (backend.isUnix() && unixTemplate == null) {
            throw new IllegalStateException("backend " + backend.address() + " is a unix socket, which needs"
                    + " Netty's epoll transport (Linux); use a TCP host");
        }
        return (backend.isUnix() ? unixTemplate : template).clone(loop).handler(handler);
    }

    private static ChannelFuture connect(Bootstrap b, Backend backend) {
        return backend.isUnix() ? b.connect(new DomainSocketAddress(backend.socketPath()))
                : b.connect(backend.host(), backend.port());
    }

    public TlsContexts tls() {
        return tls;
    }

    ChannelFuture connect(EventLoop loop, ChannelHandler handler, Backend backend, long timeoutMillis) {
        Bootstrap b = bootstrap(loop, backend, handler);
        if (timeoutMillis > 0) {
            b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        }
        return connect(b, backend);
    }

    /**
     * Sends a CancelRequest with the backend's real key on a new connection; {@code done} runs on {@code loop}
     * once PostgreSQL closed that connection (it has then acted on the request) or it failed or timed out.
     *
     * @param tls the server's own connection runs TLS: the cancel does too, so the key is as private as it was
     */
    public void cancel(EventLoop loop, Backend backend, int processId, int secretKey, boolean tls, Runnable done) {
        if (backend.isUnix() && unixTemplate == null) {
            loop.execute(done); // the server itself could not have connected; nothing to cancel
            return;
        }
        Bootstrap b = bootstrap(loop, backend, new Drain());
        b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CANCEL_CONNECT_TIMEOUT_MILLIS);
        ChannelFuture f = connect(b, backend);
        Channel ch = f.channel();
        cancels.put(ch, Clock.now());
        ch.closeFuture().addListener(c -> {
            cancels.remove(ch);
            done.run();
        });
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                return; // closeFuture fires
            }
            ServerTls serverTls = this.tls.server();
            if (!tls || !serverTls.attempted() || backend.isUnix()) {
                sendCancel(ch, processId, secretKey); // a plain login sent the key in plain text already
                return;
            }
            // the key lets anyone who reads it cancel this backend's queries
            ServerTlsStart.begin(ch, serverTls, this.tls.handshakeExecutor(), backend, new ServerTlsStart.Outcome() {
                @Override
                public void ready(Channel c, boolean encrypted, byte[] endPoint) {
                    sendCancel(c, processId, secretKey);
                }

                @Override
                public void failed(String sqlState, String message) {
                    log.warn("cancel request to backend {} not sent: {}", backend.address(), message);
                    ch.close();
                }
            });
        });
    }

    private static void sendCancel(Channel ch, int processId, int secretKey) {
        ByteBuf out = ch.alloc().buffer(16);
        new CancelRequest(processId, secretKey).encode(out);
        ch.writeAndFlush(out);
    }

    /** From the janitor: gives up on cancel connections older than cancel_wait_timeout (0 = never). */
    public void expireCancels(long now, long limitNanos) {
        if (limitNanos <= 0 || cancels.isEmpty()) {
            return;
        }
        for (Map.Entry<Channel, Long> e : cancels.entrySet()) {
            if (now - e.getValue() > limitNanos) {
                log.info("cancel request via {} not done within {}; given up", e.getKey().remoteAddress(),
                        DisconnectReason.CANCEL_WAIT_TIMEOUT);
                cancels.remove(e.getKey());
                e.getKey().close();
            }
        }
    }

    /** PostgreSQL sends nothing on a cancel connection; discard anything and wait for its close. */
    private static final class Drain extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

}
