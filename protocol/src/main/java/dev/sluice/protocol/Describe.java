// Describe ('D')
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Describe.
 *
 * @param kind {@link #STATEMENT} or {@link #PORTAL}
 * @param name "" for the unnamed statement or portal
 */
public record Describe(byte kind, String name) {
    /** Kind byte: the message  asks for a statement or portal description.:describes a prepared statement. */
    public static final byte STATEMENT = 'S';
    /** Kind byte: the message  asks for a statement or portal description.:describes a portal. */
    public static final byte PORTAL = 'P';

    public Describe {
        if (kind != STATEMENT && kind != PORTAL) {
            throw new IllegalArgumentException("Describe kind must be 'S' or 'P', got " + kind);
        }
    }

    public static Describe decode(ByteBuf body) {
        Wire.require(body, 1, "Describe");
        byte kind = body.readByte();
        if (kind != STATEMENT && kind != PORTAL) {
            throw new ProtocolException("invalid DESCRIBE message subtype " + kind);
        }
        String name = Wire.readCString(body);
        Wire.expectEnd(body, "Describe");
        return new Describe(kind, name);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.DESCRIBE.code);
        out.writeByte(kind);
        Wire.writeCString(out, name);
        Wire.endMessage(out, lengthIndex);
    }
}
