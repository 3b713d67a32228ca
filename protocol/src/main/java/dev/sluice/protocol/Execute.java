// Execute ('E'): runs a portal, optionally stopping after a number of rows.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Execute.
 *
 * @param portal "" for the unnamed portal
 * @param maxRows 0 for no limit
 */
public record Execute(String portal, int maxRows) {

    public static Execute decode(ByteBuf body) {
        String portal = Wire.readCString(body);
        Wire.require(body, 4, "Execute");
        Execute result = new Execute(portal, body.readInt());
        Wire.expectEnd(body, "Execute");
        return result;
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.EXECUTE.code);
        Wire.writeCString(out, portal);
        out.writeInt(maxRows);
        Wire.endMessage(out, lengthIndex);
    }
}
