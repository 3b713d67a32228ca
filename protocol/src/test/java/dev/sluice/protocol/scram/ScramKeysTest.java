// Tests for ScramKeys caching and for Hi() against an independent PBKDF2 implementation.
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ScramKeysTest {

    @Test
    void hiMatchesJdkPbkdf2ForAsciiPasswords() throws Exception {
        byte[] salt = {1, 2, 3, 4, 5, 6, 7, 8};
        byte[] expected = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pencil".toCharArray(), salt, 4096, 256)).getEncoded();
        assertThat(ScramCrypto.hi("pencil".getBytes(StandardCharsets.US_ASCII), salt, 4096)).isEqualTo(expected);
    }

    @Test
    void keysFollowRfc5802() throws Exception {
        byte[] salt = {9, 8, 7};
        byte[] salted = ScramCrypto.hi("pw".getBytes(StandardCharsets.UTF_8), salt, 10);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salted, "HmacSHA256"));
        byte[] clientKey = mac.doFinal("Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] serverKey = mac.doFinal("Server Key".getBytes(StandardCharsets.US_ASCII));
        ScramKeys keys = ScramKeys.derive("pw", salt, 10);
        assertThat(keys.clientKey()).isEqualTo(clientKey);
        assertThat(keys.serverKey()).isEqualTo(serverKey);
        assertThat(keys.storedKey()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(clientKey));
    }

    @Test
    void repeatedDerivationHitsTheCache() {
        byte[] salt = "cache-test-salt".getBytes(StandardCharsets.US_ASCII);
        ScramKeys first = ScramKeys.derive("cached", salt, 4096);
        assertThat(ScramKeys.derive("cached", salt.clone(), 4096)).isSameAs(first);
        assertThat(ScramKeys.derive("cached", salt, 4097)).isNotSameAs(first);
        assertThat(ScramKeys.derive("cached2", salt, 4096)).isNotSameAs(first);
    }

    @Test
    void cacheIsBounded() {
        byte[] salt = {42};
        for (int i = 0; i < ScramKeys.CACHE_SIZE + 10; i++) {
            ScramKeys.derive("p" + i, salt, 1);
        }
        assertThat(ScramKeys.cacheSize()).isEqualTo(ScramKeys.CACHE_SIZE);
    }

    @Test
    void emptyPasswordIsHmacWithEmptyKey() {
        // SecretKeySpec refuses empty keys; the zero-byte key is equivalent under HMAC padding.
        assertThat(ScramKeys.derive("", new byte[] {1}, 2).clientKey()).hasSize(32);
    }

    @Test
    void toStringHidesKeys() {
        assertThat(ScramKeys.derive("pw", new byte[] {1}, 1).toString()).isEqualTo("ScramKeys[****]");
    }
}
