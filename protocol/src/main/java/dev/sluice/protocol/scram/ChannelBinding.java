// tls-server-end-point channel binding data (RFC 5929 section 4.1) for SCRAM-SHA-256-PLUS.
package dev.sluice.protocol.scram;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * The hash of the TLS server certificate, which both ends of a TLS connection can compute and a
 * man in the middle cannot make equal on both of its legs. The hash function is the one in the
 * certificate's signature algorithm, except that MD5 and SHA-1 are replaced by SHA-256 (RFC 5929).
 */
public final class ChannelBinding {
    /** The only channel-binding type PostgreSQL implements. */
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    private ChannelBinding() {
    }

    /**
     * The binding data for {@code cert}, or null when its signature algorithm names no hash we can
     * use (e.g. Ed25519, as PostgreSQL also refuses): channel binding is then not offered.
     */
    public static byte[] tlsServerEndPoint(X509Certificate cert) {
        String digest = digestOf(cert.getSigAlgName());
        if (digest == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance(digest).digest(cert.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return null;
        }
    }

    /** "SHA384withECDSA" -> "SHA-384"; MD5 and SHA-1 give SHA-256; unknown gives null. */
    static String digestOf(String sigAlgName) {
        String alg = sigAlgName.toUpperCase(Locale.ROOT);
        int with = alg.indexOf("WITH");
        String hash = with > 0 ? alg.substring(0, with) : alg;
        return switch (hash) {
            case "MD5", "SHA1", "SHA-1", "SHA224", "SHA-224", "SHA256", "SHA-256" ->
                    hash.contains("224") ? "SHA-224" : "SHA-256";
            case "SHA384", "SHA-384" -> "SHA-384";
            case "SHA512", "SHA-512" -> "SHA-512";
            default -> null; // Ed25519, RSASSA-PSS (hash in the parameters): PostgreSQL refuses these too
        };
    }
}
