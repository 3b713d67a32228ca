// Tests for the framing helpers in Wire.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class WireTest {

    @Test
    void typedMessageLengthCountsItselfAndBodyButNotType() {
        byte[] bytes = Golden.encode(out -> {
            int lengthIndex = Wire.beginMessage(out, (byte) 'Q');
            assertThat(lengthIndex).isEqualTo(1);
            Wire.writeCString(out, "x");
            Wire.endMessage(out, lengthIndex);
        });
        assertThat(bytes).containsExactly(Golden.type('Q').int32(6).cstr("x").bytes());
    }

    @Test
    void untypedPacketAfterExistingBytes() {
        byte[] bytes = Golden.encode(out -> {
            out.writeByte(0x7F);
            int lengthIndex = Wire.beginUntyped(out);
            assertThat(lengthIndex).isEqualTo(1);
            out.writeInt(42);
            Wire.endMessage(out, lengthIndex);
        });
        assertThat(bytes).containsExactly(Golden.untyped().int8(0x7F).int32(8).int32(42).bytes());
    }

    @Test
    void writeEmpty() {
        assertThat(Golden.encode(out -> Wire.writeEmpty(out, (byte) 'S')))
                .containsExactly(Golden.type('S').int32(4).bytes());
    }

    @Test
    void cStringRoundTripsUtf8() {
        byte[] bytes = Golden.encode(out -> Wire.writeCString(out, "héllo €"));
        assertThat(bytes).containsExactly(Golden.untyped().cstr("héllo €").bytes());
        ByteBuf in = Golden.buf(bytes);
        try {
            assertThat(Wire.readCString(in)).isEqualTo("héllo €");
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void readCStringStopsAtFirstNul() {
        ByteBuf in = Golden.buf(Golden.untyped().cstr("a").cstr("").cstr("bc").bytes());
        try {
            assertThat(Wire.readCString(in)).isEqualTo("a");
            assertThat(Wire.readCString(in)).isEmpty();
            assertThat(Wire.readCString(in)).isEqualTo("bc");
        } finally {
            in.release();
        }
    }

    @Test
    void readCStringWithoutNulIsProtocolViolation() {
        ByteBuf in = Golden.buf(Golden.untyped().text("abc").bytes());
        try {
            assertThatThrownBy(() -> Wire.readCString(in))
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.sqlState()).isEqualTo(SqlState.PROTOCOL_VIOLATION));
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
    }

    @Test
    void writeCStringRejectsEmbeddedNul() {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        try {
            assertThatThrownBy(() -> Wire.writeCString(out, "a\0b")).isInstanceOf(IllegalArgumentException.class);
        } finally {
            out.release();
        }
    }

    @Test
    void requireAndExpectEnd() {
        ByteBuf in = Golden.buf(new byte[] {1, 2});
        try {
            assertThatThrownBy(() -> Wire.require(in, 3, "X")).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("truncated");
            assertThatThrownBy(() -> Wire.expectEnd(in, "X")).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("2 unexpected trailing bytes");
        } finally {
            in.release();
        }
    }

    @Test
    void protocolExceptionDefaultsAndUnwrapping() {
        ProtocolException e = new ProtocolException("boom");
        assertThat(e.sqlState()).isEqualTo("08P01");
        assertThat(e.toErrorResponse()).isEqualTo(ErrorResponse.fatal("08P01", "boom"));
        RuntimeException wrapped = new io.netty.handler.codec.DecoderException(e);
        assertThat(ProtocolException.find(wrapped)).isSameAs(e);
        assertThat(ProtocolException.find(new RuntimeException("other"))).isNull();
    }
}
