// Query ('Q'): a simple-protocol query string.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** Query. The pooler writes these for server reset and health checks and reads them in the admin console. */
public record Query(String sql) {

    public static Query decode(ByteBuf body) {
        Query result = new Query(Wire.readCString(body));
        Wire.expectEnd(body, "Query");
        return result;
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.QUERY.code);
        Wire.writeCString(out, sql);
        Wire.endMessage(out, lengthIndex);
    }
}
