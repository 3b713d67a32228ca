// AuthenticationOk: login succeeded.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** AuthenticationOk. Has no fields; use {@link #INSTANCE} to avoid allocating. */
public record AuthenticationOk() implements Authentication {
    public static final AuthenticationOk INSTANCE = new AuthenticationOk();

    @Override
    public void encode(ByteBuf out) {
        Authentication.encode(out, OK, null);
    }
}
