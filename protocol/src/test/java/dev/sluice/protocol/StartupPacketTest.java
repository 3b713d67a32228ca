// Golden-byte and validation tests for StartupMessage, SSLRequest, GSSENCRequest and CancelRequest.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupPacketTest {

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void assertFails(byte[] packet, String sqlState, String messagePart) {
        assertThatThrownBy(() -> Golden.decodeUntyped(packet, StartupPacket::decode))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo(sqlState);
                    assertThat(e.getMessage()).contains(messagePart);
                });
    }

    @Test
    void startupMessageGolden() {
        StartupMessage msg = new StartupMessage(params("user", "alice", "database", "app"));
        byte[] expected = Golden.untyped().int32(4 + 4 + 11 + 9 + 4 + 1).int32(196608)
                .cstr("user").cstr("alice").cstr("database").cstr("app").int8(0).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeUntyped(expected, StartupPacket::decode)).isEqualTo(msg);
    }

    @Test
    void startupMessageKeepsOrderAndIsUnmodifiable() {
        StartupMessage msg = new StartupMessage(params("user", "u", "b", "1", "a", "2", "application_name", "psql"));
        StartupMessage decoded = (StartupMessage) Golden.decodeUntyped(Golden.encode(msg::encode), StartupPacket::decode);
        assertThat(decoded.parameters().keySet()).containsExactly("user", "b", "a", "application_name");
        assertThat(decoded.applicationName()).isEqualTo("psql");
        assertThatThrownBy(() -> decoded.parameters().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void databaseDefaultsToUser() {
        assertThat(new StartupMessage(params("user", "bob")).database()).isEqualTo("bob");
        assertThat(new StartupMessage(params("user", "bob", "database", "")).database()).isEqualTo("bob");
        assertThat(new StartupMessage(params("user", "bob", "database", "db")).database()).isEqualTo("db");
        assertThat(new StartupMessage(params("user", "bob")).applicationName()).isNull();
    }

    @Test
    void newerMinorVersionIsAcceptedAndKept() {
        byte[] packet = Golden.untyped().int32(4 + 4 + 5 + 2 + 1).int32(0x00030002).cstr("user").cstr("u").int8(0).bytes();
        StartupMessage msg = (StartupMessage) Golden.decodeUntyped(packet, StartupPacket::decode);
        assertThat(msg.protocolVersion()).isEqualTo(0x00030002);
        assertThat(msg.majorVersion()).isEqualTo(3);
        assertThat(msg.minorVersion()).isEqualTo(2);
        assertThat(Golden.encode(msg::encode)).containsExactly(packet);
    }

    @Test
    void protocolOptionsAreListed() {
        StartupMessage msg = new StartupMessage(params("user", "u", "_pq_.foo", "1", "search_path", "x"));
        assertThat(msg.protocolOptions()).containsExactly("_pq_.foo");
    }

    @Test
    void unsupportedMajorVersion() {
        byte[] packet = Golden.untyped().int32(8 + 5 + 2 + 1).int32(0x00020000).cstr("user").cstr("u").int8(0).bytes();
        assertFails(packet, "08P01", "unsupported frontend protocol 2.0: server supports 3.0");
        assertFails(Golden.untyped().int32(8).int32(0x04D21234).bytes(), "08P01",
                "unsupported frontend protocol 1234.4660");
    }

    @Test
    void missingUser() {
        byte[] packet = Golden.untyped().int32(8 + 9 + 2 + 1).int32(196608).cstr("database").cstr("d").int8(0).bytes();
        assertFails(packet, "28000", "no PostgreSQL user name specified in startup packet");
        byte[] empty = Golden.untyped().int32(8 + 5 + 1 + 1).int32(196608).cstr("user").cstr("").int8(0).bytes();
        assertFails(empty, "28000", "no PostgreSQL user name");
    }

    @Test
    void missingTerminator() {
        byte[] noFinalZero = Golden.untyped().int32(8 + 7).int32(196608).cstr("user").cstr("u").bytes();
        assertFails(noFinalZero, "08P01", "expected terminator as last byte");
        byte[] valueCut = Golden.untyped().int32(8 + 6).int32(196608).cstr("user").text("u").bytes();
        assertFails(valueCut, "08P01", "missing NUL");
        byte[] trailing = Golden.untyped().int32(8 + 7 + 1 + 1).int32(196608).cstr("user").cstr("u").int8(0).int8(7)
                .bytes();
        assertFails(trailing, "08P01", "expected terminator as last byte");
    }

    @Test
    void sslRequestGolden() {
        byte[] expected = Golden.untyped().int32(8).int32(80877103).bytes();
        assertThat(Golden.encode(SslRequest.INSTANCE::encode)).containsExactly(expected);
        assertThat(Golden.decodeUntyped(expected, StartupPacket::decode)).isSameAs(SslRequest.INSTANCE);
    }

    @Test
    void gssEncRequestGolden() {
        byte[] expected = Golden.untyped().int32(8).int32(80877104).bytes();
        assertThat(Golden.encode(GssEncRequest.INSTANCE::encode)).containsExactly(expected);
        assertThat(Golden.decodeUntyped(expected, StartupPacket::decode)).isSameAs(GssEncRequest.INSTANCE);
    }

    @Test
    void cancelRequestGolden() {
        CancelRequest cancel = new CancelRequest(1234, -559038737);
        byte[] expected = Golden.untyped().int32(16).int32(80877102).int32(1234).int32(0xDEADBEEF).bytes();
        assertThat(Golden.encode(cancel::encode)).containsExactly(expected);
        assertThat(Golden.decodeUntyped(expected, StartupPacket::decode)).isEqualTo(cancel);
    }

    @Test
    void requestsWithWrongLengthAreRejected() {
        assertFails(Golden.untyped().int32(12).int32(80877103).int32(0).bytes(), "08P01", "SSLRequest");
        assertFails(Golden.untyped().int32(12).int32(80877102).int32(1).bytes(), "08P01",
                "invalid length of CancelRequest: 12");
        assertFails(Golden.untyped().int32(20).int32(80877102).int32(1).int32(2).int32(3).bytes(), "08P01",
                "invalid length of CancelRequest: 20");
    }
}
