// Golden-byte tests for every Authentication ('R') variant.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthenticationTest {

    private static void assertGolden(Authentication msg, byte[] expected) {
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, Authentication::decode)).isEqualTo(msg);
    }

    @Test
    void ok() {
        assertGolden(AuthenticationOk.INSTANCE, Golden.type('R').int32(8).int32(0).bytes());
        assertThat(new AuthenticationOk()).isEqualTo(AuthenticationOk.INSTANCE);
    }

    @Test
    void cleartextPassword() {
        assertGolden(AuthenticationCleartextPassword.INSTANCE, Golden.type('R').int32(8).int32(3).bytes());
    }

    @Test
    void md5Password() {
        byte[] salt = {1, 2, (byte) 0xFE, (byte) 0xFF};
        assertGolden(new AuthenticationMd5Password(salt),
                Golden.type('R').int32(12).int32(5).raw(salt).bytes());
        assertThat(new AuthenticationMd5Password(salt)).hasSameHashCodeAs(new AuthenticationMd5Password(salt.clone()));
        assertThatThrownBy(() -> new AuthenticationMd5Password(new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sasl() {
        assertGolden(new AuthenticationSasl(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")),
                Golden.type('R').int32(4 + 4 + 19 + 14 + 1).int32(10).cstr("SCRAM-SHA-256-PLUS").cstr("SCRAM-SHA-256")
                        .int8(0).bytes());
    }

    @Test
    void saslContinue() {
        String serverFirst = "r=abc,s=QSXCR+Q6sek8bf92,i=4096";
        AuthenticationSaslContinue msg = AuthenticationSaslContinue.of(serverFirst);
        assertGolden(msg, Golden.type('R').int32(8 + serverFirst.length()).int32(11).text(serverFirst).bytes());
        assertThat(msg.text()).isEqualTo(serverFirst);
    }

    @Test
    void saslFinal() {
        String serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
        AuthenticationSaslFinal msg = AuthenticationSaslFinal.of(serverFinal);
        assertGolden(msg, Golden.type('R').int32(8 + serverFinal.length()).int32(12).text(serverFinal).bytes());
        assertThat(msg.text()).isEqualTo(serverFinal);
    }

    @Test
    void unsupportedMethodsBecomeOther() {
        assertGolden(new AuthenticationOther(Authentication.GSS), Golden.type('R').int32(8).int32(7).bytes());
        assertGolden(new AuthenticationOther(Authentication.SSPI), Golden.type('R').int32(8).int32(9).bytes());
        assertGolden(new AuthenticationOther(Authentication.KERBEROS_V5), Golden.type('R').int32(8).int32(2).bytes());
        // GSSContinue carries data the pooler cannot use; decoding skips it.
        byte[] gssContinue = Golden.type('R').int32(11).int32(8).raw(new byte[] {9, 9, 9}).bytes();
        assertThat(Golden.decodeTyped(gssContinue, Authentication::decode))
                .isEqualTo(new AuthenticationOther(Authentication.GSS_CONTINUE));
    }

    @Test
    void malformedBodies() {
        assertThatThrownBy(() -> Golden.decodeBody(new byte[] {0, 0}, Authentication::decode))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> Golden.decodeBody(Golden.untyped().int32(5).raw(new byte[] {1, 2}).bytes(),
                Authentication::decode)).isInstanceOf(ProtocolException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Golden.decodeBody(Golden.untyped().int32(0).int8(1).bytes(), Authentication::decode))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Golden.decodeBody(Golden.untyped().int32(10).text("SCRAM").bytes(),
                Authentication::decode)).isInstanceOf(ProtocolException.class);
    }
}
