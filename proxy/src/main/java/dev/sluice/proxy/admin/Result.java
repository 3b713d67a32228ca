// One admin console answer: typed columns and rows (a SHOW), a bare command tag, or an error.
package dev.sluice.proxy.admin;

import dev.sluice.protocol.CommandComplete;
import dev.sluice.protocol.DataRow;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.RowDescription;
import io.netty.buffer.ByteBuf;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Column types use PgBouncer's letters (admin.c's pktbuf_write_RowDescription): s text, i int4, q int8,
 * N numeric, T timestamptz. Values are sent in text format, as PgBouncer does.
 */
public final class Result {
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssx").withZone(ZoneOffset.UTC);

    private final String tag;
    private final RowDescription columns;
    private final List<DataRow> rows = new ArrayList<>();
    private final ErrorResponse error;
    private final ErrorResponse notice;

    private Result(String tag, RowDescription columns, ErrorResponse error, ErrorResponse notice) {
        this.tag = tag;
        this.columns = columns;
        this.error = error;
        this.notice = notice;
    }

    /** A result set; {@code types} has one PgBouncer type letter per name. */
    public static Result rows(String types, String... names) {
        if (types.length() != names.length) {
            throw new IllegalArgumentException(types + " does not match " + names.length + " columns");
        }
        List<RowDescription.Field> fields = new ArrayList<>(names.length);
        for (int i = 0; i < names.length; i++) {
            int oid;
            short size;
            switch (types.charAt(i)) {
                case 'i' -> { oid = 23; size = 4; }
                case 'q' -> { oid = 20; size = 8; }
                case 'N' -> { oid = 1700; size = -1; }
                case 'T' -> { oid = 1184; size = 8; }
                default -> { oid = RowDescription.TEXT_OID; size = -1; }
            }
            fields.add(new RowDescription.Field(names[i], 0, (short) 0, oid, size, -1, (short) 0));
        }
        return new Result("SHOW", new RowDescription(fields), null, null);
    }

    /** A command with no rows, answered with its tag. */
    public static Result done(String tag) {
        return new Result(tag, null, null, null);
    }

    /** A command answered with a NoticeResponse (message and detail) before its tag, as SHOW HELP is. */
    public static Result done(String tag, String noticeMessage, String noticeDetail) {
        ErrorResponse n = ErrorResponse.error("00000", noticeMessage).with(ErrorResponse.SEVERITY, "NOTICE")
                .with(ErrorResponse.SEVERITY_NONLOCALIZED, "NOTICE");
        return new Result(tag, null, null, noticeDetail == null ? n : n.withDetail(noticeDetail));
    }

    public static Result error(String sqlState, String message) {
        return new Result(null, null, ErrorResponse.error(sqlState, message), null);
    }

    /** Appends a row; null is SQL NULL, a {@link Instant} is written as timestamptz text. */
    public Result row(Object... values) {
        if (values.length != columns.fields().size()) {
            throw new IllegalArgumentException("row has " + values.length + " values, expected "
                    + columns.fields().size());
        }
        Object[] text = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            text[i] = values[i] instanceof Instant t ? TIMESTAMP.format(t) : values[i];
        }
        rows.add(DataRow.of(text));
        return this;
    }

    public boolean isError() {
        return error != null;
    }

    public boolean hasRows() {
        return columns != null;
    }

    public List<String> columnNames() {
        return columns == null ? List.of() : columns.fields().stream().map(RowDescription.Field::name).toList();
    }

    public int rowCount() {
        return rows.size();
    }

    /** RowDescription, or NoData for a command without rows (Describe of a portal). */
    public void encodeDescription(ByteBuf out) {
        if (columns != null) {
            columns.encode(out);
        } else {
            out.writeByte('n').writeInt(4);
        }
    }

    /** Everything Execute or a simple Query answers after the description: rows or error, then the tag. */
    public void encodeBody(ByteBuf out) {
        if (error != null) {
            error.encode(out);
            return;
        }
        if (notice != null) {
            notice.encodeNotice(out);
        }
        for (DataRow r : rows) {
            r.encode(out);
        }
        new CommandComplete(tag).encode(out);
    }
}
