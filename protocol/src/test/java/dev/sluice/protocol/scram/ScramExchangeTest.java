// ScramClient <-> ScramServer round trips, wrong passwords and malformed or hostile messages.
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramExchangeTest {
    private static final byte[] SALT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ScramSecret SECRET = ScramSecret.fromPassword("s3cret", SALT, 4096);

    private static ProtocolException protocolError(Runnable r) {
        try {
            r.run();
        } catch (ProtocolException e) {
            return e;
        }
        throw new AssertionError("expected ProtocolException");
    }

    @Test
    void roundTrip() {
        ScramClient client = new ScramClient("s3cret");
        ScramServer server = new ScramServer(SECRET);
        assertThat(client.clientFirstMessage()).startsWith("n,,n=,r=");
        String serverFirst = server.handleClientFirst(client.clientFirstMessage());
        assertThat(serverFirst).contains(",s=" + Base64.getEncoder().encodeToString(SALT) + ",i=4096");
        String serverFinal = server.handleClientFinal(client.handleServerFirst(serverFirst));
        client.verifyServerFinal(serverFinal);
        assertThat(server.isAuthenticated()).isTrue();
        assertThat(client.isAuthenticated()).isTrue();
    }

    @Test
    void wrongPasswordFails() {
        ScramClient client = new ScramClient("wrong");
        ScramServer server = new ScramServer(SECRET);
        String clientFinal = client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        assertThatThrownBy(() -> server.handleClientFinal(clientFinal)).isInstanceOf(ScramException.class);
        assertThat(server.isAuthenticated()).isFalse();
        assertThatThrownBy(server::clientKey).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clientDetectsAnImpostorServer() {
        ScramClient client = new ScramClient("s3cret");
        ScramServer impostor = new ScramServer(ScramSecret.fromPassword("other", SALT, 4096));
        String clientFinal = client.handleServerFirst(impostor.handleClientFirst(client.clientFirstMessage()));
        assertThatThrownBy(() -> impostor.handleClientFinal(clientFinal)).isInstanceOf(ScramException.class);
        String forged = "v=" + Base64.getEncoder().encodeToString(new byte[32]);
        assertThatThrownBy(() -> client.verifyServerFinal(forged)).isInstanceOf(ScramException.class)
                .hasMessageContaining("server signature");
    }

    @Test
    void clientReportsServerError() {
        ScramClient client = new ScramClient("s3cret");
        ScramServer server = new ScramServer(SECRET);
        client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        assertThatThrownBy(() -> client.verifyServerFinal("e=invalid-proof")).isInstanceOf(ScramException.class)
                .hasMessageContaining("invalid-proof");
    }

    @Test
    void clientRejectsBadServerFirst() {
        ScramClient client = new ScramClient("s3cret");
        String nonce = client.clientFirstMessage().substring("n,,n=,r=".length());
        assertThatThrownBy(() -> client.handleServerFirst("r=other,s=QUJD,i=4096"))
                .isInstanceOf(ScramException.class).hasMessageContaining("nonce");
        for (String bad : new String[] {"r=" + nonce + ",s=QUJD,i=4096", "r=" + nonce + "x,i=4096",
            "r=" + nonce + "x,s=,i=4096", "r=" + nonce + "x,s=QUJD,i=0", "r=" + nonce + "x,s=QUJD,i=abc",
            "m=ext,r=" + nonce + "x,s=QUJD,i=1"}) {
            ScramClient fresh = new ScramClient("pw", "", nonce);
            assertThatThrownBy(() -> fresh.handleServerFirst(bad)).as(bad).isInstanceOf(ScramException.class);
        }
    }

    @Test
    void passThroughNeedsSaltAndIterations() {
        ScramKeys keys = ScramKeys.derive("s3cret", SALT, 4096);
        ScramClient client = new ScramClient(keys.clientKey(), keys.serverKey());
        String nonce = client.clientFirstMessage().substring("n,,n=,r=".length());
        assertThatThrownBy(() -> client.handleServerFirst("r=" + nonce + "x")).isInstanceOf(ScramException.class);
    }

    @Test
    void serverAcceptsYFlagAndRequiresItEchoedInFinal() {
        // 'y' = client supports channel binding but thinks we do not; fine since we offer no -PLUS.
        ScramServer server = new ScramServer(SECRET, "SN");
        String serverFirst = server.handleClientFirst("y,,n=,r=CN");
        String withoutProof = "c=eSws,r=CNSN";
        String authMessage = "n=,r=CN," + serverFirst + "," + withoutProof;
        ScramKeys keys = ScramKeys.derive("s3cret", SALT, 4096);
        byte[] proof = ScramCrypto.xor(keys.clientKey(), ScramCrypto.hmac(keys.storedKey(), authMessage));
        assertThat(server.handleClientFinal(withoutProof + ",p=" + ScramCrypto.b64(proof))).startsWith("v=");

        // Echoing "n,," (biws) after announcing 'y' would hide a downgrade, so it is rejected.
        ScramServer second = new ScramServer(SECRET, "SN");
        second.handleClientFirst("y,,n=,r=CN");
        assertThat(protocolError(() -> second.handleClientFinal("c=biws,r=CNSN,p=" + ScramCrypto.b64(proof)))
                .getMessage()).contains("channel binding");
    }

    @Test
    void serverRejectsChannelBindingAndAuthzid() {
        assertThat(protocolError(() -> new ScramServer(SECRET).handleClientFirst("p=tls-server-end-point,,n=,r=abc"))
                .sqlState()).isEqualTo("08P01");
        assertThat(protocolError(() -> new ScramServer(SECRET).handleClientFirst("n,a=bob,n=,r=abc")).sqlState())
                .isEqualTo("0A000");
        assertThat(protocolError(() -> new ScramServer(SECRET).handleClientFirst("n,,m=ext,r=abc")).sqlState())
                .isEqualTo("0A000");
        for (String bad : new String[] {"n,,n=", "x,,n=,r=abc", "n,,r=abc,n=", "n,,n=,r=", "n,,n=,r=a b"}) {
            assertThat(protocolError(() -> new ScramServer(SECRET).handleClientFirst(bad)).sqlState()).as(bad)
                    .isEqualTo("08P01");
        }
    }

    @Test
    void serverRejectsNonceMismatchAndBadProof() {
        ScramServer server = new ScramServer(SECRET, "SN");
        server.handleClientFirst("n,,n=,r=CN");
        assertThat(protocolError(() -> server.handleClientFinal("c=biws,r=CNxx,p=AAAA")).getMessage())
                .contains("nonce");
        ScramServer second = new ScramServer(SECRET, "SN");
        second.handleClientFirst("n,,n=,r=CN");
        assertThat(protocolError(() -> second.handleClientFinal("c=biws,r=CNSN,p=AAAA")).getMessage())
                .contains("ClientProof");
        ScramServer third = new ScramServer(SECRET, "SN");
        third.handleClientFirst("n,,n=,r=CN");
        assertThat(protocolError(() -> third.handleClientFinal("c=biws,r=CNSN,p=!!")).getMessage())
                .contains("Base64");
    }

    @Test
    void outOfOrderCallsAreProgrammingErrors() {
        ScramServer server = new ScramServer(SECRET);
        assertThatThrownBy(() -> server.handleClientFinal("c=biws")).isInstanceOf(IllegalStateException.class);
        ScramClient client = new ScramClient("x");
        assertThatThrownBy(() -> client.verifyServerFinal("v=")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nonceSupplierIsUsed() {
        ScramServer server = new ScramServer(SECRET, () -> new byte[] {1, 2, 3});
        assertThat(server.handleClientFirst("n,,n=,r=abc")).startsWith("r=abcAQID,");
    }

    @Test
    void userNameIsEscapedInClientFirst() {
        assertThat(new ScramClient("pw", "a,b=c", "N").clientFirstMessage()).isEqualTo("n,,n=a=2Cb=3Dc,r=N");
    }
}
