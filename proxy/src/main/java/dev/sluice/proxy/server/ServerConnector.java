// Opens TCP connections to backends on a chosen event loop: server logins and one-shot cancel requests.
package dev.sluice.proxy.server;

import dev.sluice.protocol.CancelRequest;
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
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/** One bootstrap template (channel type and socket options) shared by every server connection. */
public final class ServerConnector {
    private static final long CANCEL_TIMEOUT_MILLIS = 10_000;
    private final Bootstrap template;

    /** @param template channel class and options set; handler and group are filled in per connection */
    public ServerConnector(Bootstrap template) {
        this.template = template;
    }

    ChannelFuture connect(EventLoop loop, ChannelHandler handler, Backend backend, long timeoutMillis) {
        Bootstrap b = template.clone(loop).handler(handler);
        if (timeoutMillis > 0) {
            b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        }
        return b.connect(backend.host(), backend.port());
    }

    /**
     * Sends a CancelRequest with the backend's real key on a new connection; {@code done} runs on {@code loop}
     * once PostgreSQL closed that connection (it has then acted on the request) or it failed or timed out.
     */
    public void cancel(EventLoop loop, Backend backend, int processId, int secretKey, Runnable done) {
        Bootstrap b = template.clone(loop).handler(new Drain());
        b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CANCEL_TIMEOUT_MILLIS);
        ChannelFuture f = b.connect(backend.host(), backend.port());
        Channel ch = f.channel();
        ch.closeFuture().addListener(c -> done.run());
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                return; // closeFuture fires
            }
            ByteBuf out = ch.alloc().buffer(16);
            new CancelRequest(processId, secretKey).encode(out);
            ch.writeAndFlush(out);
            loop.schedule(() -> {
                ch.close();
            }, CANCEL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        });
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
