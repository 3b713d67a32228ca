// AuthenticationMD5Password: the server asks for an MD5-hashed password with this 4-byte salt.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Arrays;

/**
 * AuthenticationMD5Password.
 *
 * @param salt exactly 4 bytes; copied on construction, do not modify the accessor's array
 */
public record AuthenticationMd5Password(byte[] salt) implements Authentication {
    public AuthenticationMd5Password {
        if (salt.length != 4) {
            throw new IllegalArgumentException("MD5 salt must be 4 bytes, got " + salt.length);
        }
        salt = salt.clone();
    }

    @Override
    public void encode(ByteBuf out) {
        Authentication.encode(out, MD5_PASSWORD, salt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationMd5Password other && Arrays.equals(salt, other.salt);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "AuthenticationMd5Password[salt=" + ByteBufUtil.hexDump(salt) + "]";
    }
}
