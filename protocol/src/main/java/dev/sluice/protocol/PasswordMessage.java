// PasswordMessage ('p'): a cleartext password or an "md5..." response.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * PasswordMessage. Type 'p' is shared with SASLInitialResponse and SASLResponse; which one a body
 * holds depends on what the server asked for, so the caller picks the decoder.
 */
public record PasswordMessage(String password) {

    public static PasswordMessage decode(ByteBuf body) {
        PasswordMessage result = new PasswordMessage(Wire.readCString(body));
        Wire.expectEnd(body, "PasswordMessage");
        return result;
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.PASSWORD.code);
        Wire.writeCString(out, password);
        Wire.endMessage(out, lengthIndex);
    }

    /** Keeps the password out of logs. */
    @Override
    public String toString() {
        return "PasswordMessage[****]";
    }
}
