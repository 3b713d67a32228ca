// ChannelSink's direct socket writes on real epoll sockets: immediate, never ahead of queued bytes, the rest queued when full.
package dev.sluice.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChannelSinkSocketTest {
    private EpollEventLoopGroup group;
    private Channel listener;
    private Channel peer;
    private Channel ch;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    @BeforeEach
    void connect() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll (Linux) only: elsewhere the sink always writes through Netty");
        group = new EpollEventLoopGroup(1);
        Channel[] accepted = new Channel[1];
        listener = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, 4096) // on the listener: set before the handshake, as TCP needs
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted[0] = ctx.channel();
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        synchronized (received) {
                            byte[] bytes = new byte[b.readableBytes()];
                            b.readBytes(bytes);
                            received.write(bytes, 0, bytes.length);
                        }
                        b.release();
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        ch = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4096)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(listener.localAddress()).sync().channel();
        for (int i = 0; i < 200 && accepted[0] == null; i++) {
            Thread.sleep(10);
        }
        peer = accepted[0];
        assertThat(peer).isNotNull();
    }

    @AfterEach
    void close() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private <T> T onLoop(Callable<T> work) throws Exception {
        return ch.eventLoop().submit(work).get(10, TimeUnit.SECONDS);
    }

    private static ByteBuf direct(byte[] bytes) {
        return ByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    private byte[] readAll(int expected) throws Exception {
        peer.config().setAutoRead(true);
        for (int i = 0; i < 1000; i++) {
            synchronized (received) {
                if (received.size() >= expected) {
                    return received.toByteArray();
                }
            }
            Thread.sleep(10);
        }
        synchronized (received) {
            return received.toByteArray();
        }
    }

    @Test
    void withNothingQueuedBytesGoToTheSocketAtOnce() throws Exception {
        ChannelSink sink = new ChannelSink(ch);
        ByteBuf bytes = direct(new byte[] {1, 2, 3});
        onLoop(() -> {
            sink.pipelineSettled();
            sink.write(bytes); // no flush: the sink wrote the socket itself
            return null;
        });
        assertThat(bytes.refCnt()).isZero();
        assertThat(readAll(3)).containsExactly(1, 2, 3);
    }

    @Test
    void bytesNeverOvertakeWhatIsQueuedBeforeThem() throws Exception {
        ChannelSink sink = new ChannelSink(ch);
        onLoop(() -> {
            sink.pipelineSettled();
            ch.write(Unpooled.wrappedBuffer(new byte[] {1, 2})); // queued by Sluice's own code, not yet flushed
            sink.write(direct(new byte[] {3, 4}));
            sink.flush();
            return null;
        });
        assertThat(readAll(4)).containsExactly(1, 2, 3, 4);
    }

    @Test
    void whatAFullSocketDoesNotTakeIsQueuedInOrder() throws Exception {
        ChannelSink sink = new ChannelSink(ch);
        int chunks = 64;
        int size = 16 * 1024;
        boolean[] queued = new boolean[1];
        onLoop(() -> {
            sink.pipelineSettled();
            for (int i = 0; i < chunks; i++) {
                byte[] chunk = new byte[size];
                java.util.Arrays.fill(chunk, (byte) i);
                sink.write(direct(chunk)); // the peer does not read: the socket fills up after a few
            }
            queued[0] = ch.unsafe().outboundBuffer().totalPendingWriteBytes() > 0;
            sink.flush();
            return null;
        });
        assertThat(queued[0]).as("the socket filled and the rest waited in Netty's buffer").isTrue();
        byte[] all = readAll(chunks * size);
        assertThat(all).hasSize(chunks * size);
        for (int i = 0; i < chunks; i++) {
            assertThat(all[i * size]).isEqualTo((byte) i);
            assertThat(all[i * size + size - 1]).isEqualTo((byte) i);
        }
    }
}
