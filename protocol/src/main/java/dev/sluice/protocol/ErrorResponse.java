// ErrorResponse ('E') and NoticeResponse ('N'): typed fields such as severity, SQLSTATE, message.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ErrorResponse and NoticeResponse, which share one layout: a list of (field code, string) pairs
 * ending with a zero byte. Immutable; {@link #withDetail} and friends return copies.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-error-fields.html">Error and Notice Message Fields</a>
 */
public final class ErrorResponse {
    /** Localized severity: ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO or LOG. */
    public static final char SEVERITY = 'S';
    /** Severity never localized, so code can test it (PostgreSQL 9.6+). */
    public static final char SEVERITY_NONLOCALIZED = 'V';
    /** SQLSTATE. */
    public static final char CODE = 'C';
    /** Primary message. */
    public static final char MESSAGE = 'M';
    /** Optional detail. */
    public static final char DETAIL = 'D';
    /** Optional hint. */
    public static final char HINT = 'H';

    private final Map<Character, String> fields;

    /** @param fields in wire order; copied */
    public ErrorResponse(Map<Character, String> fields) {
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** An ERROR: the statement failed, the session continues. */
    public static ErrorResponse error(String sqlState, String message) {
        return of("ERROR", sqlState, message);
    }

    /** A FATAL: the session ends after this message. */
    public static ErrorResponse fatal(String sqlState, String message) {
        return of("FATAL", sqlState, message);
    }

    private static ErrorResponse of(String severity, String sqlState, String message) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity);
        fields.put(SEVERITY_NONLOCALIZED, severity);
        fields.put(CODE, sqlState);
        fields.put(MESSAGE, message);
        return new ErrorResponse(fields);
    }

    public ErrorResponse withDetail(String detail) {
        return with(DETAIL, detail);
    }

    public ErrorResponse withHint(String hint) {
        return with(HINT, hint);
    }

    /** A copy with one field added or replaced. */
    public ErrorResponse with(char code, String value) {
        Map<Character, String> copy = new LinkedHashMap<>(fields);
        copy.put(code, value);
        return new ErrorResponse(copy);
    }

    /** Unmodifiable, in wire order. */
    public Map<Character, String> fields() {
        return fields;
    }

    /** A field by its code, or null. */
    public String field(char code) {
        return fields.get(code);
    }

    /** The non-localized severity when present, otherwise the localized one. */
    public String severity() {
        String v = fields.get(SEVERITY_NONLOCALIZED);
        return v != null ? v : fields.get(SEVERITY);
    }

    public String code() {
        return fields.get(CODE);
    }

    public String message() {
        return fields.get(MESSAGE);
    }

    public String detail() {
        return fields.get(DETAIL);
    }

    public String hint() {
        return fields.get(HINT);
    }

    /** Decodes an 'E' or 'N' body; reads all of it. */
    public static ErrorResponse decode(ByteBuf body) {
        Map<Character, String> fields = new LinkedHashMap<>();
        while (true) {
            Wire.require(body, 1, "ErrorResponse");
            byte code = body.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) (code & 0xFF), Wire.readCString(body));
        }
        Wire.expectEnd(body, "ErrorResponse");
        return new ErrorResponse(fields);
    }

    /** Writes an ErrorResponse ('E'). */
    public void encode(ByteBuf out) {
        encode(out, BackendType.ERROR_RESPONSE.code);
    }

    /** Writes the same fields as a NoticeResponse ('N'). */
    public void encodeNotice(ByteBuf out) {
        encode(out, BackendType.NOTICE_RESPONSE.code);
    }

    private void encode(ByteBuf out, byte type) {
        int lengthIndex = Wire.beginMessage(out, type);
        for (Map.Entry<Character, String> e : fields.entrySet()) {
            out.writeByte(e.getKey());
            Wire.writeCString(out, e.getValue());
        }
        out.writeByte(0);
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorResponse other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    /** For logs: "ERROR 08P01: message". */
    @Override
    public String toString() {
        return severity() + " " + code() + ": " + message();
    }
}
