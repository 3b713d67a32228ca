// ClientKey, StoredKey and ServerKey derived from a password, with a bounded cache of the PBKDF2 step.
package dev.sluice.protocol.scram;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys of RFC 5802 for one (password, salt, iterations). Deriving them costs
 * {@code iterations} HMACs (4096 by default, milliseconds of CPU), and the pooler logs in to the
 * same server with the same password over and over, so results are cached.
 *
 * <p>The cache key is an HMAC of the password under a random per-process key, never the password:
 * a heap dump then yields nothing that could be brute-forced offline without that key too.
 */
public final class ScramKeys {
    /** Enough for every (user, server) pair of a large deployment; bounded so it cannot grow. */
    static final int CACHE_SIZE = 1024;

    private static final byte[] CACHE_KEY_SECRET = new byte[32];
    private static final Map<String, ScramKeys> CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ScramKeys> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    static {
        new SecureRandom().nextBytes(CACHE_KEY_SECRET);
    }

    private final byte[] clientKey;
    private final byte[] serverKey;
    private final byte[] storedKey;

    private ScramKeys(byte[] clientKey, byte[] serverKey) {
        this.clientKey = clientKey;
        this.serverKey = serverKey;
        this.storedKey = ScramCrypto.sha256(clientKey);
    }

    /** Keys from a ClientKey and ServerKey already known (SCRAM pass-through). */
    static ScramKeys of(byte[] clientKey, byte[] serverKey) {
        return new ScramKeys(clientKey.clone(), serverKey.clone());
    }

    /**
     * Derives the keys, or returns them from the cache. Thread-safe; PBKDF2 runs outside the lock,
     * so two threads may occasionally derive the same entry, which is harmless.
     */
    public static ScramKeys derive(String password, byte[] salt, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        byte[] prepared = SaslPrep.prepare(password).getBytes(StandardCharsets.UTF_8);
        String cacheKey = ScramCrypto.b64(ScramCrypto.hmac(CACHE_KEY_SECRET, prepared)) + '$'
                + ScramCrypto.b64(salt) + '$' + iterations;
        synchronized (CACHE) {
            ScramKeys cached = CACHE.get(cacheKey);
            if (cached != null) {
                return cached;
            }
        }
        byte[] saltedPassword = ScramCrypto.hi(prepared, salt, iterations);
        ScramKeys keys = new ScramKeys(ScramCrypto.hmac(saltedPassword, "Client Key"),
                ScramCrypto.hmac(saltedPassword, "Server Key"));
        synchronized (CACHE) {
            CACHE.put(cacheKey, keys);
        }
        return keys;
    }

    /** Number of cached entries, for tests and metrics. */
    static int cacheSize() {
        synchronized (CACHE) {
            return CACHE.size();
        }
    }

    /** HMAC(SaltedPassword, "Client Key"); a copy. */
    public byte[] clientKey() {
        return clientKey.clone();
    }

    /** HMAC(SaltedPassword, "Server Key"); a copy. */
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** SHA-256(ClientKey); a copy. */
    public byte[] storedKey() {
        return storedKey.clone();
    }

    /** Keeps key material out of logs. */
    @Override
    public String toString() {
        return "ScramKeys[****]";
    }
}
