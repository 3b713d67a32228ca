// ParameterStatus ('S'): the server reports the current value of a run-time parameter.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** ParameterStatus. The pooler caches these per server and replays them to clients it links. */
public record ParameterStatus(String name, String value) {

    public static ParameterStatus decode(ByteBuf body) {
        ParameterStatus result = new ParameterStatus(Wire.readCString(body), Wire.readCString(body));
        Wire.expectEnd(body, "ParameterStatus");
        return result;
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, BackendType.PARAMETER_STATUS.code);
        Wire.writeCString(out, name);
        Wire.writeCString(out, value);
        Wire.endMessage(out, lengthIndex);
    }
}
