// RowDescription ('T'): column metadata, written by the admin console before its DataRows.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** RowDescription. */
public record RowDescription(List<Field> fields) {
    /** OID of type {@code text}. */
    public static final int TEXT_OID = 25;

    /**
     * One column.
     *
     * @param tableOid 0 when the column is not a table column
     * @param columnAttr attribute number in that table, or 0
     * @param typeSize negative for variable-width types
     * @param typeModifier -1 when the type has none
     * @param format 0 text, 1 binary
     */
    public record Field(String name, int tableOid, short columnAttr, int typeOid, short typeSize,
            int typeModifier, short format) {
    }

    public RowDescription {
        fields = List.copyOf(fields);
    }

    /** Text columns with these names; admin output is all text, as in PgBouncer. */
    public static RowDescription ofText(String... names) {
        List<Field> fields = new ArrayList<>(names.length);
        for (String name : names) {
            fields.add(new Field(name, 0, (short) 0, TEXT_OID, (short) -1, -1, (short) 0));
        }
        return new RowDescription(fields);
    }

    public static RowDescription decode(ByteBuf body) {
        Wire.require(body, 2, "RowDescription");
        int count = body.readUnsignedShort();
        List<Field> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = Wire.readCString(body);
            Wire.require(body, 18, "RowDescription");
            fields.add(new Field(name, body.readInt(), body.readShort(), body.readInt(), body.readShort(),
                    body.readInt(), body.readShort()));
        }
        Wire.expectEnd(body, "RowDescription");
        return new RowDescription(fields);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, BackendType.ROW_DESCRIPTION.code);
        out.writeShort(fields.size());
        for (Field f : fields) {
            Wire.writeCString(out, f.name());
            out.writeInt(f.tableOid());
            out.writeShort(f.columnAttr());
            out.writeInt(f.typeOid());
            out.writeShort(f.typeSize());
            out.writeInt(f.typeModifier());
            out.writeShort(f.format());
        }
        Wire.endMessage(out, lengthIndex);
    }
}
