// Socket options for both sides in one place: TCP_NODELAY, keepalive and its timers, user timeout.
package dev.sluice.proxy;

import dev.sluice.config.SluiceConfig;
import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import java.util.function.BiConsumer;

/**
 * The keepalive timers and TCP_USER_TIMEOUT need Linux epoll; with the NIO fallback the OS defaults apply
 * (only SO_KEEPALIVE itself is set), which is documented in the README.
 */
final class SocketOptions {
    private SocketOptions() {
    }

    static void server(ServerBootstrap b, SluiceConfig c, boolean epoll) {
        b.option(ChannelOption.SO_BACKLOG, 4096);
        b.option(ChannelOption.SO_REUSEADDR, true);
        apply(c, epoll, b::childOption);
    }

    static void client(AbstractBootstrap<?, ?> b, SluiceConfig c, boolean epoll) {
        apply(c, epoll, b::option);
    }

    @SuppressWarnings("unchecked")
    private static void apply(SluiceConfig c, boolean epoll, BiConsumer<ChannelOption<Object>, Object> set) {
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.TCP_NODELAY, true);
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.SO_KEEPALIVE, c.tcpKeepalive());
        if (!epoll || !c.tcpKeepalive()) {
            return;
        }
        if (!c.tcpKeepidle().isZero()) {
            set.accept((ChannelOption<Object>) (ChannelOption<?>) EpollChannelOption.TCP_KEEPIDLE,
                    (int) c.tcpKeepidle().toSeconds());
        }
        if (!c.tcpKeepintvl().isZero()) {
            set.accept((ChannelOption<Object>) (ChannelOption<?>) EpollChannelOption.TCP_KEEPINTVL,
                    (int) c.tcpKeepintvl().toSeconds());
        }
        if (c.tcpKeepcnt() > 0) {
            set.accept((ChannelOption<Object>) (ChannelOption<?>) EpollChannelOption.TCP_KEEPCNT, c.tcpKeepcnt());
        }
        if (!c.tcpUserTimeout().isZero()) {
            set.accept((ChannelOption<Object>) (ChannelOption<?>) EpollChannelOption.TCP_USER_TIMEOUT,
                    (int) c.tcpUserTimeout().toMillis());
        }
    }
}
