// SCRAM verifiers for users whose auth_file secret is a plain password: derived once, not per login.
package dev.sluice.proxy.client;

import dev.sluice.protocol.scram.ScramSecret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PBKDF2 with 4096 rounds costs milliseconds; a connect-per-transaction client must not pay it at every
 * login. The cache is keyed by user and a hash of the password, so a changed password derives anew.
 */
public final class ScramVerifiers {
    private static final int ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_PARSED = 10_000;
    private final ConcurrentHashMap<String, Entry> byUser = new ConcurrentHashMap<>();
    /** Stored verifiers from the auth_file, parsed once (a login otherwise parses and Base64-decodes it again). */
    private final ConcurrentHashMap<String, ScramSecret> parsed = new ConcurrentHashMap<>();
    private final ScramSecret decoy;

    private record Entry(byte[] passwordHash, ScramSecret secret) {
    }

    public ScramVerifiers() {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] noise = new byte[32];
        RANDOM.nextBytes(noise);
        byte[] other = new byte[32];
        RANDOM.nextBytes(other);
        this.decoy = new ScramSecret(ITERATIONS, salt, noise, other);
    }

    ScramSecret forPlain(String user, String password) {
        byte[] hash = sha256(password);
        Entry e = byUser.get(user);
        if (e != null && MessageDigest.isEqual(e.passwordHash, hash)) {
            return e.secret;
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        Entry fresh = new Entry(hash, ScramSecret.fromPassword(password, salt, ITERATIONS));
        byUser.put(user, fresh);
        return fresh.secret;
    }

    /** The parsed form of a stored {@code SCRAM-SHA-256$...} secret; a malformed one gives the decoy. */
    ScramSecret forStored(String secret) {
        ScramSecret s = parsed.get(secret);
        if (s == null) {
            try {
                s = ScramSecret.parse(secret);
            } catch (IllegalArgumentException e) {
                return decoy; // nobody can log in against a verifier that cannot be read
            }
            if (parsed.size() < MAX_PARSED) {
                parsed.put(secret, s);
            }
        }
        return s;
    }

    /** A verifier nobody knows the password of, for unknown users. */
    ScramSecret decoy() {
        return decoy;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ScramVerifiers" + Arrays.toString(byUser.keySet().toArray());
    }
}
