// DataRow ('D'): one row of text values, written by the admin console.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * DataRow in text format. Only the admin console builds these, so values are Strings rather than
 * retained slices; the proxy forwards real query results as opaque frames.
 *
 * @param values unmodifiable; null elements are SQL NULLs (length -1 on the wire)
 */
public record DataRow(List<String> values) {

    public DataRow {
        // List.copyOf rejects nulls, and NULL is a legitimate column value.
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** A row from arbitrary values via {@link String#valueOf}; null stays NULL. */
    public static DataRow of(Object... values) {
        List<String> list = new ArrayList<>(values.length);
        for (Object v : values) {
            list.add(v == null ? null : String.valueOf(v));
        }
        return new DataRow(list);
    }

    public static DataRow decode(ByteBuf body) {
        Wire.require(body, 2, "DataRow");
        int count = body.readUnsignedShort();
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Wire.require(body, 4, "DataRow");
            int length = body.readInt();
            if (length == -1) {
                values.add(null);
                continue;
            }
            if (length < 0) {
                throw new ProtocolException("invalid DataRow message format: negative length " + length);
            }
            Wire.require(body, length, "DataRow");
            values.add(body.readCharSequence(length, StandardCharsets.UTF_8).toString());
        }
        Wire.expectEnd(body, "DataRow");
        return new DataRow(values);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, BackendType.DATA_ROW.code);
        out.writeShort(values.size());
        for (String v : values) {
            if (v == null) {
                out.writeInt(-1);
                continue;
            }
            int valueLengthIndex = out.writerIndex();
            out.writeInt(0);
            int written = ByteBufUtil.writeUtf8(out, v);
            out.setInt(valueLengthIndex, written);
        }
        Wire.endMessage(out, lengthIndex);
    }
}
