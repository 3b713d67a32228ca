// Golden-byte and behaviour tests for ErrorResponse and NoticeResponse.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorResponseTest {

    @Test
    void errorGolden() {
        ErrorResponse msg = ErrorResponse.error("08P01", "bad");
        byte[] expected = Golden.type('E').int32(4 + 7 + 7 + 7 + 5 + 1)
                .int8('S').cstr("ERROR").int8('V').cstr("ERROR").int8('C').cstr("08P01").int8('M').cstr("bad")
                .int8(0).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, ErrorResponse::decode)).isEqualTo(msg);
    }

    @Test
    void fatalWithDetailAndHintGolden() {
        ErrorResponse msg = ErrorResponse.fatal("53300", "too many").withDetail("d").withHint("h");
        byte[] expected = Golden.type('E').int32(4 + 7 + 7 + 7 + 10 + 3 + 3 + 1)
                .int8('S').cstr("FATAL").int8('V').cstr("FATAL").int8('C').cstr("53300").int8('M').cstr("too many")
                .int8('D').cstr("d").int8('H').cstr("h").int8(0).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        ErrorResponse decoded = Golden.decodeTyped(expected, ErrorResponse::decode);
        assertThat(decoded).isEqualTo(msg);
        assertThat(decoded.fields().keySet()).containsExactly('S', 'V', 'C', 'M', 'D', 'H');
    }

    @Test
    void noticeUsesTypeN() {
        ErrorResponse msg = ErrorResponse.error("57P01", "x");
        byte[] error = Golden.encode(msg::encode);
        byte[] notice = Golden.encode(msg::encodeNotice);
        assertThat(notice[0]).isEqualTo((byte) 'N');
        assertThat(Arrays.copyOfRange(notice, 1, notice.length)).containsExactly(Arrays.copyOfRange(error, 1, error.length));
        assertThat(Golden.decodeTyped(notice, ErrorResponse::decode)).isEqualTo(msg);
    }

    @Test
    void accessors() {
        ErrorResponse msg = ErrorResponse.fatal("28P01", "password authentication failed for user \"a\"")
                .withDetail("why").withHint("how");
        assertThat(msg.severity()).isEqualTo("FATAL");
        assertThat(msg.code()).isEqualTo("28P01");
        assertThat(msg.message()).startsWith("password");
        assertThat(msg.detail()).isEqualTo("why");
        assertThat(msg.hint()).isEqualTo("how");
        assertThat(msg.field('X')).isNull();
        assertThat(msg).hasToString("FATAL 28P01: password authentication failed for user \"a\"");
    }

    @Test
    void severityFallsBackToLocalizedField() {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put('S', "FEHLER");
        fields.put('C', "42601");
        fields.put('M', "Syntaxfehler");
        ErrorResponse msg = new ErrorResponse(fields);
        assertThat(msg.severity()).isEqualTo("FEHLER");
        assertThat(msg.detail()).isNull();
        assertThat(msg.with('V', "ERROR").severity()).isEqualTo("ERROR");
    }

    @Test
    void missingTerminator() {
        byte[] body = Golden.untyped().int8('S').cstr("ERROR").bytes();
        assertThatThrownBy(() -> Golden.decodeBody(body, ErrorResponse::decode)).isInstanceOf(ProtocolException.class);
        byte[] cut = Golden.untyped().int8('S').text("ERR").bytes();
        assertThatThrownBy(() -> Golden.decodeBody(cut, ErrorResponse::decode)).isInstanceOf(ProtocolException.class);
    }
}
