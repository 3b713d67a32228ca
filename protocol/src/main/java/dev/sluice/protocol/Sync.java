// Sync ('S'): ends an extended-protocol batch; the server answers ReadyForQuery.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** Sync: a bodiless message, so a singleton. */
public enum Sync {
    /** The only instance: the message has no fields. */
    INSTANCE;

    /** Writes the type byte and length 4. */
    public void encode(ByteBuf out) {
        Wire.writeEmpty(out, FrontendType.SYNC.code);
    }
}
