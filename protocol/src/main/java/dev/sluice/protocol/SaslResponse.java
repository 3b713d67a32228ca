// SASLResponse ('p'): a later SASL message; for SCRAM, the client-final-message.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SASLResponse. Shares type 'p' with PasswordMessage; the body is the raw mechanism data.
 *
 * @param data copied on construction, do not modify the accessor's array
 */
public record SaslResponse(byte[] data) {

    public SaslResponse {
        data = data.clone();
    }

    public static SaslResponse of(String text) {
        return new SaslResponse(text.getBytes(StandardCharsets.UTF_8));
    }

    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    public static SaslResponse decode(ByteBuf body) {
        return new SaslResponse(Wire.readBytes(body, body.readableBytes(), "SASLResponse"));
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.PASSWORD.code);
        out.writeBytes(data);
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaslResponse other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SaslResponse[" + text() + "]";
    }
}
