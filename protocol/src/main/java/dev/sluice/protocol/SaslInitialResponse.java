// SASLInitialResponse ('p'): the chosen SASL mechanism and, for SCRAM, the client-first-message.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SASLInitialResponse. Shares type 'p' with PasswordMessage; decode only when a SASL exchange is
 * expected.
 *
 * @param data initial response, or null when absent (length -1 on the wire); copied on construction
 */
public record SaslInitialResponse(String mechanism, byte[] data) {

    public SaslInitialResponse {
        data = data == null ? null : data.clone();
    }

    /** A response carrying text, which is what SCRAM sends. */
    public static SaslInitialResponse of(String mechanism, String text) {
        return new SaslInitialResponse(mechanism, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The data as text, or null when absent. */
    public String text() {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    public static SaslInitialResponse decode(ByteBuf body) {
        String mechanism = Wire.readCString(body);
        Wire.require(body, 4, "SASLInitialResponse");
        int length = body.readInt();
        byte[] data;
        if (length == -1) {
            data = null;
        } else if (length < 0 || length != body.readableBytes()) {
            throw new ProtocolException("invalid SASLInitialResponse message format: data length " + length
                    + ", " + body.readableBytes() + " bytes left");
        } else {
            data = Wire.readBytes(body, length, "SASLInitialResponse");
        }
        return new SaslInitialResponse(mechanism, data);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.PASSWORD.code);
        Wire.writeCString(out, mechanism);
        if (data == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(data.length);
            out.writeBytes(data);
        }
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaslInitialResponse other && mechanism.equals(other.mechanism)
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * mechanism.hashCode() + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SaslInitialResponse[" + mechanism + ", " + text() + "]";
    }
}
