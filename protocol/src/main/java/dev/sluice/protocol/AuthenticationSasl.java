// AuthenticationSASL: the server offers SASL mechanisms (SCRAM-SHA-256, maybe -PLUS).
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * AuthenticationSASL.
 *
 * @param mechanisms in the server's order of preference
 */
public record AuthenticationSasl(List<String> mechanisms) implements Authentication {
    /** The mechanism the pooler implements. */
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    /** The channel-binding variant, which the pooler does not offer yet. */
    public static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";

    public AuthenticationSasl {
        mechanisms = List.copyOf(mechanisms);
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, BackendType.AUTHENTICATION.code);
        out.writeInt(SASL);
        for (String m : mechanisms) {
            Wire.writeCString(out, m);
        }
        out.writeByte(0);
        Wire.endMessage(out, lengthIndex);
    }
}
