// Close ('C')
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Close.
 *
 * @param kind {@link #STATEMENT} or {@link #PORTAL}
 * @param name "" for the unnamed statement or portal
 */
public record Close(byte kind, String name) {
    /** Kind byte: the message  closes a prepared statement or portal; the pooler tracks statement lifetimes.:closes a prepared statement. */
    public static final byte STATEMENT = 'S';
    /** Kind byte: the message  closes a prepared statement or portal; the pooler tracks statement lifetimes.:closes a portal. */
    public static final byte PORTAL = 'P';

    public Close {
        if (kind != STATEMENT && kind != PORTAL) {
            throw new IllegalArgumentException("Close kind must be 'S' or 'P', got " + kind);
        }
    }

    public static Close decode(ByteBuf body) {
        Wire.require(body, 1, "Close");
        byte kind = body.readByte();
        if (kind != STATEMENT && kind != PORTAL) {
            throw new ProtocolException("invalid CLOSE message subtype " + kind);
        }
        String name = Wire.readCString(body);
        Wire.expectEnd(body, "Close");
        return new Close(kind, name);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.CLOSE.code);
        out.writeByte(kind);
        Wire.writeCString(out, name);
        Wire.endMessage(out, lengthIndex);
    }
}
