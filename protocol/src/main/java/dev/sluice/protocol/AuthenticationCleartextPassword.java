// AuthenticationCleartextPassword: the server asks for the password in clear text.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** AuthenticationCleartextPassword. Has no fields; use {@link #INSTANCE} to avoid allocating. */
public record AuthenticationCleartextPassword() implements Authentication {
    public static final AuthenticationCleartextPassword INSTANCE = new AuthenticationCleartextPassword();

    @Override
    public void encode(ByteBuf out) {
        Authentication.encode(out, CLEARTEXT_PASSWORD, null);
    }
}
