// GSSENCRequest: the client asks for GSSAPI transport encryption before the StartupMessage.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** GSSENCRequest. The pooler does not support GSSAPI, so it answers the single byte 'N'. */
public enum GssEncRequest implements StartupPacket {
    /** The only instance: the packet has no fields. */
    INSTANCE;

    /** Byte the server sends to refuse GSSAPI encryption. */
    public static final byte REFUSE = 'N';

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(GSSENC_REQUEST_CODE);
    }
}
