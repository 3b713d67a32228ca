// AuthenticationSASLFinal: SASL outcome data (for SCRAM, the server-final-message).
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * AuthenticationSASLFinal.
 *
 * @param data mechanism-specific bytes; copied on construction, do not modify the accessor's array
 */
public record AuthenticationSaslFinal(byte[] data) implements Authentication {
    public AuthenticationSaslFinal {
        data = data.clone();
    }

    /** SCRAM messages are ASCII text; this builds the message from one. */
    public static AuthenticationSaslFinal of(String text) {
        return new AuthenticationSaslFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The data as text, which is what SCRAM carries. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public void encode(ByteBuf out) {
        Authentication.encode(out, SASL_FINAL, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationSaslFinal other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthenticationSaslFinal[" + text() + "]";
    }
}
