// Socket options for both sides in one place: the read allocator, TCP_NODELAY, keepalive and its timers, user timeout.
package dev.sluice.proxy;

import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.relay.LoopBuffers;
import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import java.util.function.BiConsumer;
import jdk.net.ExtendedSocketOptions;

/**
 * Applied to client sockets (accepted) and server sockets (to PostgreSQL) alike. With Linux epoll every option
 * is set natively. With the NIO fallback (other platforms) the keepalive timers go through the JDK's
 * {@code jdk.net.ExtendedSocketOptions} where the OS supports them (Linux, macOS; Netty logs a warning and
 * keeps the OS default where it does not) and TCP_USER_TIMEOUT is not available: there a dead peer is found by
 * keepalive, server_check_query and query_timeout only.
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
    private static <T> void set(BiConsumer<ChannelOption<Object>, Object> setter, ChannelOption<T> option, T value) {
        setter.accept((ChannelOption<Object>) (ChannelOption<?>) option, value);
    }

    private static void apply(SluiceConfig c, boolean epoll, BiConsumer<ChannelOption<Object>, Object> set) {
        set(set, ChannelOption.ALLOCATOR, LoopBuffers.INSTANCE); // reads reuse one buffer per loop
        set(set, ChannelOption.TCP_NODELAY, true);
        set(set, ChannelOption.SO_KEEPALIVE, c.tcpKeepalive());
        int idle = (int) c.tcpKeepidle().toSeconds();
        int interval = (int) c.tcpKeepintvl().toSeconds();
        int count = c.tcpKeepcnt();
        int userTimeout = (int) c.tcpUserTimeout().toMillis();
        if (epoll) {
            // TCP_USER_TIMEOUT bounds unacknowledged writes, keepalive or not
            if (userTimeout > 0) {
                set(set, EpollChannelOption.TCP_USER_TIMEOUT, userTimeout);
            }
            if (c.tcpKeepalive()) {
                if (idle > 0) {
                    set(set, EpollChannelOption.TCP_KEEPIDLE, idle);
                }
                if (interval > 0) {
                    set(set, EpollChannelOption.TCP_KEEPINTVL, interval);
                }
                if (count > 0) {
                    set(set, EpollChannelOption.TCP_KEEPCNT, count);
                }
            }
        } else if (c.tcpKeepalive()) {
            if (idle > 0) {
                set(set, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idle);
            }
            if (interval > 0) {
                set(set, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), interval);
            }
            if (count > 0) {
                set(set, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), count);
            }
        }
    }
}
