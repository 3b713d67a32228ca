// Bind ('B') peeking helpers: the pooler only needs the names, the rest is forwarded unparsed.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads names from a Bind body without decoding parameters (which may be large) and without
 * moving the reader index, so the same body can then be forwarded as is.
 */
public final class Bind {
    private Bind() {
    }

    /** The destination portal name (first C-string); "" is the unnamed portal. */
    public static String portalName(ByteBuf body) {
        return cStringAt(body, body.readerIndex());
    }

    /** The source prepared statement name (second C-string); "" is the unnamed statement. */
    public static String statementName(ByteBuf body) {
        int portalEnd = nulIndex(body, body.readerIndex());
        return cStringAt(body, portalEnd + 1);
    }

    private static String cStringAt(ByteBuf body, int start) {
        int end = nulIndex(body, start);
        return body.toString(start, end - start, StandardCharsets.UTF_8);
    }

    private static int nulIndex(ByteBuf body, int start) {
        int end = body.writerIndex();
        int nul = start < end ? body.indexOf(start, end, (byte) 0) : -1;
        if (nul < 0) {
            throw new ProtocolException("invalid Bind message format: missing NUL terminator");
        }
        return nul;
    }
}
