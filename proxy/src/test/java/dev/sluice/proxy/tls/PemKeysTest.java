// PEM private keys in PKCS#8, PKCS#1 (RSA) and SEC1 (EC) form read to the same key; encrypted ones refused.
package dev.sluice.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class PemKeysTest {
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        } catch (java.io.IOException e) {
            throw new TestAbortedException("the openssl command is needed: " + e.getMessage());
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("log"))).isZero();
    }

    private String f(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void rsaPkcs1AndPkcs8GiveTheSameKey() throws Exception {
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", f("rsa8.key"));
        openssl("rsa", "-in", f("rsa8.key"), "-traditional", "-out", f("rsa1.key"));
        assertThat(Files.readString(dir.resolve("rsa1.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(PemKeys.read(dir.resolve("rsa1.key")).getEncoded())
                .isEqualTo(PemKeys.read(dir.resolve("rsa8.key")).getEncoded());
    }

    @Test
    void ecSec1AndPkcs8GiveTheSameKey() throws Exception {
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("ec1.key"));
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", f("ec1.key"), "-out", f("ec8.key"));
        assertThat(Files.readString(dir.resolve("ec1.key"))).startsWith("-----BEGIN EC PRIVATE KEY-----");
        // openssl drops the curve repeated inside the SEC1 structure, so compare the secret and curve, not bytes
        ECPrivateKey sec1 = (ECPrivateKey) PemKeys.read(dir.resolve("ec1.key"));
        ECPrivateKey pkcs8 = (ECPrivateKey) PemKeys.read(dir.resolve("ec8.key"));
        assertThat(sec1.getS()).isEqualTo(pkcs8.getS());
        assertThat(sec1.getParams().getOrder()).isEqualTo(pkcs8.getParams().getOrder());
    }

    @Test
    void encryptedAndMissingKeysAreRefusedWithAReason() throws Exception {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-aes256",
                "-pass", "pass:secret", "-out", f("enc.key"));
        assertThatThrownBy(() -> PemKeys.read(dir.resolve("enc.key"))).isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("encrypted");
        Files.writeString(dir.resolve("cert-only.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemKeys.read(dir.resolve("cert-only.pem"))).hasMessageContaining("no PEM private key");
    }
}
