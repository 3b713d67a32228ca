// Terminate ('X'): the frontend closes the session; the server disconnects without a reply.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** Terminate: a bodiless message, so a singleton. */
public enum Terminate {
    /** The only instance: the message has no fields. */
    INSTANCE;

    /** Writes the type byte and length 4. */
    public void encode(ByteBuf out) {
        Wire.writeEmpty(out, FrontendType.TERMINATE.code);
    }
}
