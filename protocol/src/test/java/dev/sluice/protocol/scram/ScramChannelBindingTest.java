// SCRAM-SHA-256-PLUS: tls-server-end-point binding, gs2 header rules and downgrade detection (RFC 5802 section 6).
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScramChannelBindingTest {
    private static final byte[] SALT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ScramSecret SECRET = ScramSecret.fromPassword("s3cret", SALT, 4096);
    private static final byte[] CERT_HASH = new byte[32];
    private static final byte[] OTHER_HASH = new byte[32];

    static {
        CERT_HASH[0] = 1;
        OTHER_HASH[0] = 2;
    }

    private static void exchange(ScramClient client, ScramServer server) {
        String serverFinal = server.handleClientFinal(client.handleServerFirst(
                server.handleClientFirst(client.clientFirstMessage())));
        client.verifyServerFinal(serverFinal);
    }

    @Test
    void plusWithTheSameCertificateHashLogsIn() {
        ScramClient client = new ScramClient("s3cret").channelBinding(true, CERT_HASH);
        assertThat(client.mechanism()).isEqualTo("SCRAM-SHA-256-PLUS");
        assertThat(client.clientFirstMessage()).startsWith("p=tls-server-end-point,,n=,r=");
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, true);
        exchange(client, server);
        assertThat(server.isAuthenticated()).isTrue();
        assertThat(server.bound()).isTrue();
    }

    @Test
    void plusWithAnotherCertificateHashIsRefused() {
        // what a man in the middle with its own certificate produces: both legs see different certificates
        ScramClient client = new ScramClient("s3cret").channelBinding(true, OTHER_HASH);
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, true);
        String clientFinal = client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        assertThatThrownBy(() -> server.handleClientFinal(clientFinal)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("channel binding check failed");
    }

    @Test
    void yFlagWhenBindingWasOfferedIsADowngrade() {
        ScramClient client = new ScramClient("s3cret").channelBinding(true, null);
        assertThat(client.clientFirstMessage()).startsWith("y,,");
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, false);
        assertThatThrownBy(() -> server.handleClientFirst(client.clientFirstMessage()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("negotiation error");
    }

    @Test
    void yFlagWithoutTlsIsFine() {
        ScramClient client = new ScramClient("s3cret").channelBinding(true, null);
        ScramServer server = new ScramServer(SECRET);
        exchange(client, server);
        assertThat(server.isAuthenticated()).isTrue();
        assertThat(server.bound()).isFalse();
    }

    @Test
    void nFlagOnTlsWithoutPlusIsFine() {
        ScramClient client = new ScramClient("s3cret");
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, false);
        exchange(client, server);
        assertThat(server.isAuthenticated()).isTrue();
    }

    @Test
    void plusSelectedWithoutBindingDataIsRefused() {
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, true);
        assertThatThrownBy(() -> server.handleClientFirst("n,,n=,r=abc")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not include channel binding data");
    }

    @Test
    void otherBindingTypeIsRefused() {
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, true);
        assertThatThrownBy(() -> server.handleClientFirst("p=tls-unique,,n=,r=abc"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("tls-unique");
    }

    @Test
    void pFlagWithPlainScramIsRefused() {
        ScramServer server = new ScramServer(SECRET).channelBinding(CERT_HASH, false);
        assertThatThrownBy(() -> server.handleClientFirst("p=tls-server-end-point,,n=,r=abc"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("without channel binding");
    }

    @Test
    void digestFollowsTheSignatureAlgorithm() {
        assertThat(ChannelBinding.digestOf("SHA256withRSA")).isEqualTo("SHA-256");
        assertThat(ChannelBinding.digestOf("SHA1withRSA")).isEqualTo("SHA-256");
        assertThat(ChannelBinding.digestOf("MD5withRSA")).isEqualTo("SHA-256");
        assertThat(ChannelBinding.digestOf("SHA384withECDSA")).isEqualTo("SHA-384");
        assertThat(ChannelBinding.digestOf("SHA512withRSA")).isEqualTo("SHA-512");
        assertThat(ChannelBinding.digestOf("Ed25519")).isNull();
    }
}
