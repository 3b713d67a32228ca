// Golden-byte tests for the frontend messages the pooler writes or reads.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrontendMessageTest {

    @Test
    void query() {
        Query msg = new Query("SELECT 1");
        byte[] expected = Golden.type('Q').int32(13).cstr("SELECT 1").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, Query::decode)).isEqualTo(msg);
    }

    @Test
    void bodilessMessages() {
        assertThat(Golden.encode(Terminate.INSTANCE::encode)).containsExactly(Golden.type('X').int32(4).bytes());
        assertThat(Golden.encode(Sync.INSTANCE::encode)).containsExactly(Golden.type('S').int32(4).bytes());
        assertThat(Golden.encode(Flush.INSTANCE::encode)).containsExactly(Golden.type('H').int32(4).bytes());
    }

    @Test
    void passwordMessage() {
        PasswordMessage msg = new PasswordMessage("md5bb41a296aab6baccb36ff243a562abff");
        byte[] expected = Golden.type('p').int32(4 + 36).cstr("md5bb41a296aab6baccb36ff243a562abff").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, PasswordMessage::decode)).isEqualTo(msg);
        assertThat(msg.toString()).doesNotContain("md5bb");
    }

    @Test
    void saslInitialResponse() {
        String first = "n,,n=,r=abc";
        SaslInitialResponse msg = SaslInitialResponse.of("SCRAM-SHA-256", first);
        byte[] expected = Golden.type('p').int32(4 + 14 + 4 + first.length()).cstr("SCRAM-SHA-256")
                .int32(first.length()).text(first).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, SaslInitialResponse::decode)).isEqualTo(msg);
        assertThat(msg.text()).isEqualTo(first);
    }

    @Test
    void saslInitialResponseWithoutData() {
        SaslInitialResponse msg = new SaslInitialResponse("SCRAM-SHA-256", null);
        byte[] expected = Golden.type('p').int32(4 + 14 + 4).cstr("SCRAM-SHA-256").int32(-1).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        SaslInitialResponse decoded = Golden.decodeTyped(expected, SaslInitialResponse::decode);
        assertThat(decoded).isEqualTo(msg);
        assertThat(decoded.data()).isNull();
    }

    @Test
    void saslInitialResponseLengthMismatch() {
        byte[] body = Golden.untyped().cstr("SCRAM-SHA-256").int32(5).text("abc").bytes();
        assertThatThrownBy(() -> Golden.decodeBody(body, SaslInitialResponse::decode))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void saslResponse() {
        String fin = "c=biws,r=abc,p=xyz";
        SaslResponse msg = SaslResponse.of(fin);
        byte[] expected = Golden.type('p').int32(4 + fin.length()).text(fin).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, SaslResponse::decode)).isEqualTo(msg);
    }

    @Test
    void parse() {
        Parse msg = new Parse("s1", "SELECT $1", new int[] {23});
        byte[] expected = Golden.type('P').int32(4 + 3 + 10 + 2 + 4).cstr("s1").cstr("SELECT $1").int16(1).int32(23)
                .bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        Parse decoded = Golden.decodeTyped(expected, Parse::decode);
        assertThat(decoded).isEqualTo(msg).hasSameHashCodeAs(msg);
        assertThat(decoded).isNotEqualTo(new Parse("s1", "SELECT $1", new int[] {25}));
    }

    @Test
    void bindNamesArePeekedWithoutMovingTheReaderIndex() {
        byte[] body = Golden.untyped().cstr("portal").cstr("stmt").int16(0).int16(0).int16(0).bytes();
        ByteBuf buf = Golden.buf(body);
        try {
            assertThat(Bind.statementName(buf)).isEqualTo("stmt");
            assertThat(Bind.portalName(buf)).isEqualTo("portal");
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
        assertThat(Golden.decodeBody(Golden.untyped().cstr("").cstr("").int16(0).bytes(), Bind::statementName))
                .isEmpty();
    }

    @Test
    void bindNamesRespectANonZeroReaderIndex() {
        // A frame body is often a slice of a larger buffer, or a buffer with the header skipped.
        byte[] frame = Golden.type('B').int32(4 + 2 + 3 + 6).cstr("").cstr("s9").int16(0).int16(0).int16(0).bytes();
        ByteBuf buf = Golden.buf(frame);
        try {
            buf.skipBytes(5);
            assertThat(Bind.statementName(buf)).isEqualTo("s9");
            assertThat(Bind.portalName(buf)).isEmpty();
        } finally {
            buf.release();
        }
    }

    @Test
    void bindWithoutTerminator() {
        byte[] body = "portal".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Golden.decodeBody(body, Bind::statementName)).isInstanceOf(ProtocolException.class);
        byte[] noSecond = Golden.untyped().cstr("p").text("st").bytes();
        assertThatThrownBy(() -> Golden.decodeBody(noSecond, Bind::statementName)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void close() {
        Close msg = new Close(Close.STATEMENT, "s1");
        byte[] expected = Golden.type('C').int32(4 + 1 + 3).int8('S').cstr("s1").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, Close::decode)).isEqualTo(msg);
        assertThatThrownBy(() -> Golden.decodeBody(Golden.untyped().int8('x').cstr("").bytes(), Close::decode))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("CLOSE");
    }

    @Test
    void describe() {
        Describe msg = new Describe(Describe.PORTAL, "");
        byte[] expected = Golden.type('D').int32(4 + 1 + 1).int8('P').cstr("").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, Describe::decode)).isEqualTo(msg);
        assertThatThrownBy(() -> new Describe((byte) 'Q', "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void execute() {
        Execute msg = new Execute("", 100);
        byte[] expected = Golden.type('E').int32(4 + 1 + 4).cstr("").int32(100).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, Execute::decode)).isEqualTo(msg);
    }
}
