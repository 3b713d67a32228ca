// Package-private primitives for SCRAM-SHA-256: HMAC, SHA-256, XOR, Hi() and Base64.
package dev.sluice.protocol.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Thin wrappers over JDK crypto so the protocol classes read like RFC 5802. */
final class ScramCrypto {
    static final String HMAC = "HmacSHA256";
    /** Raw nonce length PostgreSQL uses (SCRAM_RAW_NONCE_LEN). */
    static final int NONCE_BYTES = 18;
    /** Length of SHA-256 output, and so of every SCRAM key and proof. */
    static final int KEY_LENGTH = 32;

    private ScramCrypto() {
    }

    /**
     * One Mac per thread: looking a provider up costs more than the HMAC itself, and every client login
     * does several. Callers use the returned Mac before asking for another.
     */
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance(HMAC);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    });

    static Mac mac(byte[] key) {
        try {
            Mac mac = MACS.get();
            // SecretKeySpec rejects an empty key. HMAC zero-pads keys to the block size, so the key
            // {0} gives exactly the same MAC as an empty one; this keeps an empty password legal.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static byte[] hmac(byte[] key, byte[] data) {
        return mac(key).doFinal(data);
    }

    static byte[] hmac(byte[] key, String data) {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data);
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (byte) (a[i] ^ b[i]);
        }
        return r;
    }

    /**
     * Hi() of RFC 5802 (PBKDF2 with HMAC-SHA-256, one block). Done by hand rather than with
     * SecretKeyFactory because PBKDF2WithHmacSHA256 takes a char[] and re-encodes it, while
     * PostgreSQL hashes the exact bytes of the SASLprep'd password.
     */
    static byte[] hi(byte[] password, byte[] salt, int iterations) {
        Mac mac = mac(password);
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    static String b64(byte[] data) {
        return Base64.getEncoder().encodeToString(data);
    }

    /** @throws IllegalArgumentException when the text is not valid Base64 */
    static byte[] unb64(String text) {
        return Base64.getDecoder().decode(text);
    }

    /** A printable nonce without ',' (Base64 of random bytes), as PostgreSQL generates. */
    static String nonce(SecureRandom random) {
        byte[] raw = new byte[NONCE_BYTES];
        random.nextBytes(raw);
        return b64(raw);
    }
}
