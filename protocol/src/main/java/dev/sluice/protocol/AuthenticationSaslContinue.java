// AuthenticationSASLContinue: a SASL challenge (for SCRAM, the server-first-message).
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * AuthenticationSASLContinue.
 *
 * @param data mechanism-specific bytes; copied on construction, do not modify the accessor's array
 */
public record AuthenticationSaslContinue(byte[] data) implements Authentication {
    public AuthenticationSaslContinue {
        data = data.clone();
    }

    /** SCRAM messages are ASCII text; this builds the message from one. */
    public static AuthenticationSaslContinue of(String text) {
        return new AuthenticationSaslContinue(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The data as text, which is what SCRAM carries. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public void encode(ByteBuf out) {
        Authentication.encode(out, SASL_CONTINUE, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationSaslContinue other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthenticationSaslContinue[" + text() + "]";
    }
}
