// How much TLS a side demands: PgBouncer's client_tls_sslmode / server_tls_sslmode values.
package dev.sluice.config;

import java.util.Locale;

/**
 * The sslmode words, weakest first, so {@code mode.atLeast(REQUIRE)} reads as the policy. Meanings follow
 * PgBouncer: on the client side {@code verify-ca} and {@code verify-full} both require a client certificate
 * signed by {@code client_tls_ca_file}; on the server side they check PostgreSQL's certificate (and, for
 * {@code verify-full}, that it names the host Sluice connected to).
 */
public enum TlsMode {
    DISABLE("disable"),
    ALLOW("allow"),
    PREFER("prefer"),
    REQUIRE("require"),
    VERIFY_CA("verify-ca"),
    VERIFY_FULL("verify-full");

    private final String word;

    TlsMode(String word) {
        this.word = word;
    }

    /**
     * Parses an ini word, case-insensitively.
     *
     * @throws IllegalArgumentException listing the accepted words
     */
    public static TlsMode parse(String text) {
        String w = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (TlsMode m : values()) {
            if (m.word.equals(w)) {
                return m;
            }
        }
        throw new IllegalArgumentException("expected one of disable, allow, prefer, require, verify-ca, verify-full");
    }

    public boolean atLeast(TlsMode other) {
        return compareTo(other) >= 0;
    }

    @Override
    public String toString() {
        return word;
    }
}
