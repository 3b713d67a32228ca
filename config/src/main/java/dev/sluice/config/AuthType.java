// How clients prove who they are: the auth_type values Sluice implements.
package dev.sluice.config;

import java.util.Locale;
import java.util.Set;

/** Client authentication methods, spelled as PgBouncer's {@code auth_type}. */
public enum AuthType {
    /** No password asked; the user must still be known if an auth_file is set. */
    TRUST("trust"),
    /** Cleartext password over the wire, checked against the userlist. */
    PLAIN("plain"),
    /** MD5 challenge; the userlist may hold plain or "md5..." secrets. */
    MD5("md5"),
    /** SCRAM-SHA-256; the userlist may hold plain or "SCRAM-SHA-256$..." secrets. */
    SCRAM_SHA_256("scram-sha-256"),
    /** Any user name is accepted without a password (PgBouncer's "any"). */
    ANY("any"),
    /** The auth_hba_file's first matching line decides the method per client (address, database, user). */
    HBA("hba"),
    /** TLS client certificate whose CN must equal the user name; needs client TLS with a CA file. */
    CERT("cert");

    /** PgBouncer methods that need machinery Sluice does not have; refused, never silently downgraded. */
    private static final Set<String> UNSUPPORTED = Set.of("pam", "ldap");

    private final String word;

    AuthType(String word) {
        this.word = word;
    }

    /**
     * Parses an ini word, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted words; PgBouncer-only methods get a
     *     message saying so, because falling back to another method would weaken security
     */
    public static AuthType parse(String text) {
        String w = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (AuthType type : values()) {
            if (type.word.equals(w)) {
                return type;
            }
        }
        if (UNSUPPORTED.contains(w)) {
            throw new IllegalArgumentException("auth_type " + w + " is not supported by Sluice yet; "
                    + "use one of trust, plain, md5, scram-sha-256, any, hba, cert");
        }
        throw new IllegalArgumentException("expected one of trust, plain, md5, scram-sha-256, any, hba, cert");
    }

    /** The ini word, e.g. "scram-sha-256". */
    @Override
    public String toString() {
        return word;
    }
}
