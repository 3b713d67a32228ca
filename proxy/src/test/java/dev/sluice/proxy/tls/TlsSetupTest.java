// client_tls_protocols / *_ciphers words as PgBouncer writes them, mapped to the JDK's names.
package dev.sluice.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsSetupTest {
    @Test
    void protocolWords() {
        assertThat(TlsSetup.protocols("secure", "p")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsSetup.protocols("TLSv1.3", "p")).containsExactly("TLSv1.3");
        assertThat(TlsSetup.protocols("tlsv1.2, tlsv1.3", "p")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsSetup.protocols("all", "p")).containsExactly("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
        assertThatThrownBy(() -> TlsSetup.protocols("sslv3", "client_tls_protocols"))
                .hasMessageContaining("client_tls_protocols = sslv3: unknown word 'sslv3'");
        assertThatThrownBy(() -> TlsSetup.protocols(" ", "client_tls_protocols")).hasMessageContaining("is empty");
    }

    @Test
    void cipherNamesInOpenSslOrIanaForm() throws Exception {
        assertThat(TlsSetup.ciphers("default", "", "client_tls")).isNull();
        assertThat(TlsSetup.ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_AES_256_GCM_SHA384", "client_tls")).containsExactly("TLS_AES_256_GCM_SHA384",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        // only TLS 1.3 suites chosen: the TLS 1.2 list stays the JDK's
        assertThat(TlsSetup.ciphers("fast", "TLS_AES_128_GCM_SHA256", "client_tls"))
                .startsWith("TLS_AES_128_GCM_SHA256").contains("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
                .doesNotContain("TLS_AES_256_GCM_SHA384");
        assertThatThrownBy(() -> TlsSetup.ciphers("NOT-A-CIPHER", "", "server_tls"))
                .hasMessageContaining("server_tls_ciphers: cipher suite NOT-A-CIPHER is not known");
        assertThatThrownBy(() -> TlsSetup.ciphers("default", "TLS_NOPE", "client_tls"))
                .hasMessageContaining("client_tls13_ciphers");
    }
}
