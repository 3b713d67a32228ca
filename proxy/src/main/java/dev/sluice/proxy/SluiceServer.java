// Starts and stops the pooler: event loops, the listening socket, the janitor.
package dev.sluice.proxy;

import dev.sluice.config.SluiceConfig;
import dev.sluice.protocol.StartupDecoder;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.pool.LoopSet;
import dev.sluice.proxy.relay.LoopBuffers;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolStats;
import dev.sluice.proxy.server.ServerConnector;
import dev.sluice.proxy.server.UnixBackends;
import dev.sluice.proxy.tls.ClientTlsSniffer;
import dev.sluice.proxy.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import dev.sluice.config.Settings;
import dev.sluice.proxy.metrics.MetricsEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One instance per process (tests start several). Clients and servers share the worker loops. */
public final class SluiceServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);

    private final EventLoopGroup workers;
    private final Proxy proxy;
    private final Janitor janitor;
    private final Channel listener;
    private final MetricsEndpoint metrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SluiceServer(EventLoopGroup workers, Proxy proxy, Channel listener, MetricsEndpoint metrics) {
        this.workers = workers;
        this.proxy = proxy;
        this.listener = listener;
        this.metrics = metrics;
        this.janitor = new Janitor(proxy);
        proxy.drain().onStopAccepting(listener::close);
        janitor.start();
    }

    /** Binds {@code listen_addr:listen_port} (port 0 picks a free one). */
    public static SluiceServer start(SluiceConfig config) throws InterruptedException {
        return start(config, defaultThreads());
    }

    /**
     * One event loop per two cores: relaying costs mostly kernel time (wakeups), and a busier loop sleeps
     * less often. Measured on 2 cores beside PostgreSQL: 1 loop 18.5 us of CPU per select-only transaction,
     * 2 loops 22.7 us (PgBouncer 19.8 us).
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public static SluiceServer start(SluiceConfig config, int threads) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        String unixProblem = UnixBackends.problem(config, epoll);
        if (unixProblem != null) {
            throw new IllegalArgumentException(unixProblem); // before any thread or socket exists
        }
        UnixBackends.notices(config).forEach(log::warn);
        // the listening socket lives on a worker loop too: with one loop, accepting and serving a client is
        // one thread and no wakeup per connection (as PgBouncer does); with more, new clients are spread round-robin
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
        EventLoopGroup boss = workers;
        TlsContexts tls = null;
        try {
            Bootstrap serverSide = new Bootstrap().channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
            SocketOptions.client(serverSide, config, epoll);
            LoopSet loops = new LoopSet(workers);
            tls = TlsContexts.load(config); // a bad certificate file stops the start with the setting's name
            // unix sockets to PostgreSQL: no TCP options (TCP_NODELAY, keepalive, user timeout) apply there
            Bootstrap unixSide = epoll ? new Bootstrap().channel(EpollDomainSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, LoopBuffers.INSTANCE) : null;
            Proxy proxy = new Proxy(config, loops, new ServerConnector(serverSide, unixSide, tls));
            ServerBootstrap b = new ServerBootstrap().group(boss, workers)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ClientTlsSniffer(proxy.tls()::client,
                                    proxy.tls().handshakeExecutor()), new StartupDecoder(), new ClientConnection(proxy));
                        }
                    });
            SocketOptions.server(b, config, epoll);
            Channel ch = b.bind(config.listenAddr(), config.listenPort()).sync().channel();
            log.debug("listening on {} with {} event loops ({})", ch.localAddress(), threads, epoll ? "epoll" : "nio");
            MetricsEndpoint metrics;
            try {
                metrics = startMetrics(config, proxy, ch);
            } catch (RuntimeException e) {
                ch.close().awaitUninterruptibly();
                throw e;
            }
            return new SluiceServer(workers, proxy, ch, metrics);
        } catch (InterruptedException | RuntimeException e) {
            if (tls != null) {
                tls.close();
            }
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * The HTTP endpoint, or null when metrics_listen is empty. A bind failure stops startup when metrics_listen
     * was set explicitly; with the default address it is logged and Sluice runs without the endpoint.
     */
    private static MetricsEndpoint startMetrics(SluiceConfig config, Proxy proxy, Channel listener) {
        String listen = config.metricsListen();
        if (listen == null || listen.isBlank()) {
            return null;
        }
        try {
            return MetricsEndpoint.start(proxy, listen.strip(), listener::isActive, Main.Version.text());
        } catch (IOException e) {
            if (config.isSet(Settings.METRICS_LISTEN)) {
                throw new IllegalStateException("cannot listen for metrics on " + listen + ": " + e.getMessage(), e);
            }
            log.error("no /metrics endpoint: cannot listen on {} ({}); set metrics_listen to another address, or"
                    + " empty to turn it off", listen, e.getMessage());
            return null;
        }
    }

    /** The metrics endpoint, or null when it is off. */
    public MetricsEndpoint metrics() {
        return metrics;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public Proxy proxy() {
        return proxy;
    }

    /** Stops listening and closes every connection; servers are closed, PostgreSQL rolls back what was open. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        janitor.stop();
        if (metrics != null) {
            metrics.close();
        }
        for (Pool pool : proxy.pools().all()) {
            PoolStats st = pool.stats();
            log.info("{}: {} links, {} moved a server to its client's event loop, {} server launches, {} failed",
                    pool, st.links, st.handoffs, st.launches, st.connectFailures);
        }
        listener.close().awaitUninterruptibly();
        proxy.authQuery().close();
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        proxy.tls().close();
    }
}
