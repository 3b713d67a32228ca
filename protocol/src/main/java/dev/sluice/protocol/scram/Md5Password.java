// PostgreSQL's MD5 password scheme: stored "md5" secrets and salted challenge responses.
package dev.sluice.protocol.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * MD5 authentication as PostgreSQL does it: the stored secret is {@code "md5" + md5(password + user)}
 * and the wire response to salt S is {@code "md5" + md5(hex(secret) + S)}. Knowing the stored
 * secret is enough to answer, which is why the pooler can log in with an md5 secret from its
 * auth file.
 */
public final class Md5Password {
    private static final HexFormat HEX = HexFormat.of();

    private Md5Password() {
    }

    /** The secret PostgreSQL stores: "md5" followed by 32 lowercase hex digits. */
    public static String encode(String user, String password) {
        return "md5" + md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The PasswordMessage answer to AuthenticationMD5Password.
     *
     * @param md5OrPlain a stored md5 secret, or a plain password (hashed with {@code user} first)
     * @param salt the 4 bytes from AuthenticationMD5Password
     */
    public static String response(String md5OrPlain, String user, byte[] salt) {
        String secret = isMd5Secret(md5OrPlain) ? md5OrPlain : encode(user, md5OrPlain);
        byte[] hex = secret.substring(3).getBytes(StandardCharsets.US_ASCII);
        byte[] input = new byte[hex.length + salt.length];
        System.arraycopy(hex, 0, input, 0, hex.length);
        System.arraycopy(salt, 0, input, hex.length, salt.length);
        return "md5" + md5Hex(input);
    }

    /** Checks a client's response in constant time, so timing does not leak a matching prefix. */
    public static boolean verify(String md5OrPlain, String user, byte[] salt, String clientResponse) {
        byte[] expected = response(md5OrPlain, user, salt).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, clientResponse.getBytes(StandardCharsets.UTF_8));
    }

    /** Same test as PostgreSQL: length 35, "md5" prefix, lowercase hex. */
    public static boolean isMd5Secret(String s) {
        if (s == null || s.length() != 35 || !s.startsWith("md5")) {
            return false;
        }
        for (int i = 3; i < 35; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String md5Hex(byte[] data) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }
}
