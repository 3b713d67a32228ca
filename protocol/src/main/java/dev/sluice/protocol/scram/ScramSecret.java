// A stored SCRAM-SHA-256 verifier, in PostgreSQL's pg_authid text format.
package dev.sluice.protocol.scram;

import java.util.Arrays;

/**
 * A SCRAM-SHA-256 verifier: {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}
 * with Base64 fields, exactly as PostgreSQL stores it in {@code pg_authid.rolpassword}, so secrets
 * can be copied between the two. It lets the pooler verify clients but not log in as them.
 *
 * @param salt copied on construction, as are the keys; do not modify the accessors' arrays
 */
public record ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    /** Prefix of every SCRAM-SHA-256 verifier. */
    public static final String PREFIX = "SCRAM-SHA-256$";

    public ScramSecret {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        if (salt.length == 0) {
            throw new IllegalArgumentException("salt must not be empty");
        }
        if (storedKey.length != ScramCrypto.KEY_LENGTH || serverKey.length != ScramCrypto.KEY_LENGTH) {
            throw new IllegalArgumentException("StoredKey and ServerKey must be 32 bytes");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /** Whether {@code s} is a well-formed verifier that {@link #parse} accepts. */
    public static boolean isScramSecret(String s) {
        if (s == null || !s.startsWith(PREFIX)) {
            return false;
        }
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** @throws IllegalArgumentException if {@code s} is not a well-formed SCRAM-SHA-256 verifier */
    public static ScramSecret parse(String s) {
        if (s == null || !s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 secret");
        }
        String[] parts = s.substring(PREFIX.length()).split("[$:]", -1);
        int dollar = s.indexOf('$', PREFIX.length());
        int colon = s.indexOf(':', PREFIX.length());
        // Expect iter ':' salt '$' stored ':' server, in that order.
        if (parts.length != 4 || colon < 0 || dollar < colon) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 secret");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 secret: bad iteration count");
        }
        // Base64 decoding throws IllegalArgumentException on bad input, which is the contract here.
        return new ScramSecret(iterations, ScramCrypto.unb64(parts[1]), ScramCrypto.unb64(parts[2]),
                ScramCrypto.unb64(parts[3]));
    }

    /** Builds the verifier PostgreSQL would store for this password, salt and iteration count. */
    public static ScramSecret fromPassword(String password, byte[] salt, int iterations) {
        ScramKeys keys = ScramKeys.derive(password, salt, iterations);
        return new ScramSecret(iterations, salt, keys.storedKey(), keys.serverKey());
    }

    /** The verifier in PostgreSQL's text format. */
    @Override
    public String toString() {
        return PREFIX + iterations + ':' + ScramCrypto.b64(salt) + '$' + ScramCrypto.b64(storedKey) + ':'
                + ScramCrypto.b64(serverKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramSecret other && iterations == other.iterations && Arrays.equals(salt, other.salt)
                && Arrays.equals(storedKey, other.storedKey) && Arrays.equals(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        return ((iterations * 31 + Arrays.hashCode(salt)) * 31 + Arrays.hashCode(storedKey)) * 31
                + Arrays.hashCode(serverKey);
    }
}
