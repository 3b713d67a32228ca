// Reads PEM private keys in the three forms OpenSSL writes: PKCS#8, PKCS#1 (RSA) and SEC1 (EC).
package dev.sluice.proxy.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keys made for PgBouncer or PostgreSQL are often "BEGIN RSA PRIVATE KEY" (PKCS#1) or "BEGIN EC PRIVATE
 * KEY" (SEC1), which the JDK cannot read; both are wrapped into PKCS#8 here (RFC 5208: version,
 * AlgorithmIdentifier, the old structure as an OCTET STRING) rather than adding BouncyCastle for it.
 * Encrypted keys are refused with a message: a pooler restarting unattended has nobody to type a passphrase.
 */
final class PemKeys {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    /** rsaEncryption 1.2.840.113549.1.1.1 with NULL parameters, as a DER AlgorithmIdentifier. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** id-ecPublicKey 1.2.840.10045.2.1, as a DER OID. */
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemKeys() {
    }

    static PrivateKey read(Path file) throws IOException, GeneralSecurityException {
        Matcher m = PEM.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue; // a certificate in the same file, as some tools write
            }
            if (type.startsWith("ENCRYPTED") || m.group(2).contains("ENCRYPTED")) {
                throw new GeneralSecurityException("the key is encrypted; Sluice needs an unencrypted key"
                        + " (openssl pkey -in KEY -out PLAIN.key), readable only by its user");
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).strip());
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(der);
                case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(
                        new PKCS8EncodedKeySpec(wrap(RSA_ALGORITHM, der)));
                case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(
                        new PKCS8EncodedKeySpec(wrap(seq(EC_PUBLIC_KEY, sec1Curve(der)), der)));
                default -> throw new GeneralSecurityException("unsupported key type \"" + type + "\"");
            };
        }
        throw new GeneralSecurityException("no PEM private key found");
    }

    /** A PKCS#8 key of whichever algorithm it is. */
    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("unreadable PKCS#8 key", last);
    }

    /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return seq(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key));
    }

    /** The named-curve OID (whole TLV) in a SEC1 ECPrivateKey's [0] parameters. */
    private static byte[] sec1Curve(byte[] der) throws GeneralSecurityException {
        int[] outer = header(der, 0, 0x30);
        int pos = outer[0];
        int end = outer[0] + outer[1];
        while (pos < end) {
            int tag = der[pos] & 0xff;
            int[] h = header(der, pos, tag);
            if (tag == 0xa0) {
                int[] oid = header(der, h[0], 0x06);
                return Arrays.copyOfRange(der, h[0], oid[0] + oid[1]);
            }
            pos = h[0] + h[1];
        }
        throw new GeneralSecurityException("EC key without a named curve");
    }

    /** {content start, content length} of the TLV at {@code pos}, which must have tag {@code tag}. */
    private static int[] header(byte[] der, int pos, int tag) throws GeneralSecurityException {
        if (pos + 2 > der.length || (der[pos] & 0xff) != tag) {
            throw new GeneralSecurityException("malformed key (DER)");
        }
        int len = der[pos + 1] & 0xff;
        int start = pos + 2;
        if (len > 0x80) {
            int n = len - 0x80;
            if (n > 3 || start + n > der.length) {
                throw new GeneralSecurityException("malformed key (DER length)");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[start + i] & 0xff);
            }
            start += n;
        }
        if (len < 0 || start + len > der.length) {
            throw new GeneralSecurityException("malformed key (DER length)");
        }
        return new int[] {start, len};
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return tlv(0x30, b.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(content.length + 6);
        b.write(tag);
        int len = content.length;
        if (len < 0x80) {
            b.write(len);
        } else if (len < 0x100) {
            b.write(0x81);
            b.write(len);
        } else if (len < 0x10000) {
            b.write(0x82);
            b.write(len >> 8);
            b.write(len);
        } else {
            b.write(0x83);
            b.write(len >> 16);
            b.write(len >> 8);
            b.write(len);
        }
        b.writeBytes(content);
        return b.toByteArray();
    }
}
