// Test helpers for golden-byte tests: hand-built expected bytes, encode to bytes, decode from bytes.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Expected bytes are written out field by field with hand-computed lengths, independent of
 * {@link Wire}, so a bug in the shared framing code cannot hide in both encoder and expectation.
 */
final class Golden {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private Golden() {
    }

    /** Starts a typed message with its type byte. */
    static Golden type(char type) {
        return new Golden().int8(type);
    }

    /** Starts an untyped (startup-phase) packet. */
    static Golden untyped() {
        return new Golden();
    }

    Golden int8(int v) {
        bytes.write(v);
        return this;
    }

    Golden int16(int v) {
        return int8(v >>> 8).int8(v);
    }

    Golden int32(int v) {
        return int16(v >>> 16).int16(v);
    }

    /** ASCII text without terminator. */
    Golden text(String s) {
        bytes.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Text plus NUL. */
    Golden cstr(String s) {
        return text(s).int8(0);
    }

    Golden raw(byte... b) {
        bytes.writeBytes(b);
        return this;
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }

    /**
     * A pooled copy of {@code bytes}. Tests use the pooled allocator because Netty does not
     * leak-track unpooled heap buffers, so LeakCheck would not notice a missing release().
     */
    static ByteBuf buf(byte[] bytes) {
        return buf(bytes, 0, bytes.length);
    }

    static ByteBuf buf(byte[] bytes, int offset, int length) {
        return ByteBufAllocator.DEFAULT.buffer(length).writeBytes(bytes, offset, length);
    }

    /** Runs an encoder into a fresh buffer and returns what it wrote; releases the buffer. */
    static byte[] encode(Consumer<ByteBuf> encoder) {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        try {
            encoder.accept(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /**
     * Decodes a complete typed message: checks its length field, then passes the body alone (as a
     * proxy frame would) and checks the decoder consumed all of it.
     */
    static <T> T decodeTyped(byte[] message, Function<ByteBuf, T> decoder) {
        return decode(message, 1, decoder);
    }

    /** Same for a startup packet, which has no type byte. */
    static <T> T decodeUntyped(byte[] packet, Function<ByteBuf, T> decoder) {
        return decode(packet, 0, decoder);
    }

    private static <T> T decode(byte[] message, int typeBytes, Function<ByteBuf, T> decoder) {
        ByteBuf buf = buf(message);
        try {
            buf.skipBytes(typeBytes);
            assertThat(buf.readInt()).as("length field").isEqualTo(message.length - typeBytes);
            T value = decoder.apply(buf);
            assertThat(buf.readableBytes()).as("bytes left after decode").isZero();
            return value;
        } finally {
            buf.release();
        }
    }

    /** Calls a decoder on a body given as bytes, releasing the buffer whatever happens. */
    static <T> T decodeBody(byte[] body, Function<ByteBuf, T> decoder) {
        ByteBuf buf = buf(body);
        try {
            return decoder.apply(buf);
        } finally {
            buf.release();
        }
    }
}
