// Parse ('P'): creates a prepared statement; the pooler reads it to track named statements.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Parse.
 *
 * @param name statement name, "" for the unnamed statement
 * @param paramTypes parameter type OIDs, 0 meaning unspecified; copied on construction
 */
public record Parse(String name, String query, int[] paramTypes) {

    public Parse {
        paramTypes = paramTypes.clone();
    }

    public static Parse decode(ByteBuf body) {
        String name = Wire.readCString(body);
        String query = Wire.readCString(body);
        Wire.require(body, 2, "Parse");
        int count = body.readUnsignedShort();
        Wire.require(body, 4 * count, "Parse");
        int[] types = new int[count];
        for (int i = 0; i < count; i++) {
            types[i] = body.readInt();
        }
        Wire.expectEnd(body, "Parse");
        return new Parse(name, query, types);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, FrontendType.PARSE.code);
        Wire.writeCString(out, name);
        Wire.writeCString(out, query);
        out.writeShort(paramTypes.length);
        for (int t : paramTypes) {
            out.writeInt(t);
        }
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parse other && name.equals(other.name) && query.equals(other.query)
                && Arrays.equals(paramTypes, other.paramTypes);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + query.hashCode()) * 31 + Arrays.hashCode(paramTypes);
    }

    @Override
    public String toString() {
        return "Parse[name=" + name + ", query=" + query + ", paramTypes=" + Arrays.toString(paramTypes) + "]";
    }
}
