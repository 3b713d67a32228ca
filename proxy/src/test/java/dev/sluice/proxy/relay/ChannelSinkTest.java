// ChannelSink skips the pipeline only when no handler in it writes: a TLS handler must never be bypassed.
package dev.sluice.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelSinkTest {
    /** Stands in for SslHandler: an outbound handler that must see every byte written. */
    private static final class Wrapping extends ChannelOutboundHandlerAdapter {
        final List<Integer> seen = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            seen.add(((ByteBuf) msg).readableBytes());
            ctx.write(Unpooled.buffer().writeByte('!').writeBytes((ByteBuf) msg), promise);
            ((ByteBuf) msg).release();
        }
    }

    @Test
    void withAnOutboundHandlerWritesGoThroughIt() {
        Wrapping tls = new Wrapping();
        EmbeddedChannel ch = new EmbeddedChannel(tls, new ChannelInboundHandlerAdapter());
        ChannelSink sink = new ChannelSink(ch);
        sink.pipelineSettled();
        sink.write(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
        ch.flush();
        assertThat(tls.seen).containsExactly(3);
        ByteBuf out = ch.readOutbound();
        assertThat(out.getByte(0)).isEqualTo((byte) '!');
        out.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void withOnlyInboundHandlersWritesReachTheSocketUnchanged() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelSink sink = new ChannelSink(ch);
        sink.pipelineSettled();
        ByteBuf in = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        sink.write(in);
        ch.flush();
        ByteBuf out = ch.readOutbound();
        assertThat(out).isSameAs(in);
        out.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void beforeThePipelineIsSettledWritesUseIt() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelSink sink = new ChannelSink(ch);
        Wrapping late = new Wrapping(); // e.g. TLS set up after the sink was made, before login finished
        ch.pipeline().addFirst(late);
        sink.write(Unpooled.copiedBuffer(new byte[] {1}));
        ch.flush();
        assertThat(late.seen).containsExactly(1);
        ch.finishAndReleaseAll();
    }
}
