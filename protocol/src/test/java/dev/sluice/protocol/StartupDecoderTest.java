// EmbeddedChannel tests for StartupDecoder: byte-at-a-time input, batching, removal and bad input.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupDecoderTest {

    private static final StartupMessage STARTUP = new StartupMessage(userParams());

    private static Map<String, String> userParams() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("user", "alice");
        m.put("database", "app");
        return m;
    }

    private static byte[] bytesOf(StartupPacket p) {
        return Golden.encode(p::encode);
    }

    private static byte[] concat(byte[]... parts) {
        Golden g = Golden.untyped();
        for (byte[] p : parts) {
            g.raw(p);
        }
        return g.bytes();
    }

    @Test
    void everyPacketFedOneByteAtATime() {
        for (StartupPacket packet : List.of(STARTUP, SslRequest.INSTANCE, GssEncRequest.INSTANCE,
                new CancelRequest(7, 8))) {
            EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
            byte[] bytes = bytesOf(packet);
            for (int i = 0; i < bytes.length; i++) {
                ch.writeInbound(Golden.buf(bytes, i, 1));
                if (i < bytes.length - 1) {
                    assertThat(ch.<Object>readInbound()).as("no packet before byte %d", i).isNull();
                }
            }
            assertThat(ch.<Object>readInbound()).isEqualTo(packet);
            assertThat(ch.finish()).isFalse();
        }
    }

    @Test
    void twoPacketsInOneBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
        ch.writeInbound(Golden.buf(concat(bytesOf(SslRequest.INSTANCE), bytesOf(STARTUP))));
        assertThat(ch.<Object>readInbound()).isSameAs(SslRequest.INSTANCE);
        assertThat(ch.<Object>readInbound()).isEqualTo(STARTUP);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void leftoverBytesGoToTheNextHandlerAfterRemoval() {
        List<Object> afterRemoval = new ArrayList<>();
        ChannelInboundHandlerAdapter proxy = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof StartupMessage) {
                    afterRemoval.add(msg);
                    // What the proxy does. Removal forwards the buffered leftover re-entrantly,
                    // i.e. before remove() returns, so the next handler must be ready by then.
                    ctx.pipeline().remove(StartupDecoder.class);
                } else {
                    ByteBuf buf = (ByteBuf) msg;
                    afterRemoval.add(new String(ByteBufUtil.getBytes(buf),
                            StandardCharsets.US_ASCII));
                    buf.release(); // this handler consumes the leftover bytes
                }
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(), proxy);
        byte[] query = Golden.type('Q').int32(13).cstr("SELECT 1").bytes();
        byte[] all = concat(bytesOf(STARTUP), query);
        // Split so the StartupMessage and the first part of the query arrive together.
        int split = bytesOf(STARTUP).length + 3;
        ch.writeInbound(Golden.buf(all, 0, split));
        ch.writeInbound(Golden.buf(all, split, all.length - split));
        assertThat(ch.pipeline().get(StartupDecoder.class)).isNull();
        assertThat(afterRemoval).hasSize(3);
        assertThat(afterRemoval.get(0)).isEqualTo(STARTUP);
        String rest = (String) afterRemoval.get(1) + afterRemoval.get(2);
        assertThat(rest.getBytes(StandardCharsets.ISO_8859_1)).containsExactly(query);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void lengthOutOfRangeIsRejectedBeforeTheBodyArrives() {
        for (int length : new int[] {0, 7, 10001, -1}) {
            EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
            ByteBuf in = ByteBufAllocator.DEFAULT.buffer().writeInt(length);
            assertThatThrownBy(() -> ch.writeInbound(in))
                    .isInstanceOf(DecoderException.class)
                    .satisfies(e -> {
                        ProtocolException pe = ProtocolException.find(e);
                        assertThat(pe.sqlState()).isEqualTo("08P01");
                        assertThat(pe.getMessage()).isEqualTo("invalid startup packet length " + length
                                + " (expected: 8..10000)");
                    });
            assertThat(ch.finish()).isFalse();
        }
    }

    @Test
    void maximumLengthIsAccepted() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "u");
        // 4 length + 4 version + "user\0u\0" (7) + "x\0" (2) + value + NUL + final NUL = 10000
        params.put("x", "v".repeat(10000 - 4 - 4 - 7 - 2 - 1 - 1));
        StartupMessage big = new StartupMessage(params);
        byte[] bytes = bytesOf(big);
        assertThat(bytes).hasSize(10000);
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
        ch.writeInbound(Golden.buf(bytes));
        assertThat(ch.<Object>readInbound()).isEqualTo(big);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void afterAnErrorFurtherInputIsDiscarded() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
        byte[] badVersion = Golden.untyped().int32(8).int32(0x00020000).bytes();
        assertThatThrownBy(() -> ch.writeInbound(Golden.buf(concat(badVersion, bytesOf(STARTUP)))))
                .isInstanceOf(DecoderException.class)
                .hasCauseInstanceOf(ProtocolException.class);
        // A valid packet after the failure must not be decoded: the connection is being closed.
        ch.writeInbound(Golden.buf(bytesOf(STARTUP)));
        assertThat(ch.<Object>readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }
}
