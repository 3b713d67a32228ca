// Flush ('H'): asks the server to send its pending output without ending the batch.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** Flush: a bodiless message, so a singleton. */
public enum Flush {
    /** The only instance: the message has no fields. */
    INSTANCE;

    /** Writes the type byte and length 4. */
    public void encode(ByteBuf out) {
        Wire.writeEmpty(out, FrontendType.FLUSH.code);
    }
}
