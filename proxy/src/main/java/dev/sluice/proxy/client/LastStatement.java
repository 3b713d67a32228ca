// The head of a client's last Query or Parse, kept as raw bytes so the idle-kill log line can name the leak.
package dev.sluice.proxy.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Kept only when idle_transaction_timeout is on. Recording is a bounded copy into one reused array (no
 * allocation, no reference count, no charset decode); the text is decoded only when it is logged.
 */
final class LastStatement {
    /** Characters logged. */
    static final int CHARS = 200;
    /** Bytes kept: enough for {@link #CHARS} characters of 4-byte UTF-8. */
    private static final int BYTES = CHARS * 4;

    /** Allocated on the first statement: a client that never runs one costs nothing. */
    private byte[] bytes;
    private int length;

    /** Records a Query ('Q') or Parse ('P') message at {@code index}; only bytes already buffered are read. */
    void record(byte type, ByteBuf buf, int index, int messageLength) {
        int from = index + 5;
        int end = Math.min(index + messageLength, buf.writerIndex());
        if (type == 'P') {
            int nul = buf.indexOf(from, end, (byte) 0); // skip the statement name
            if (nul < 0) {
                length = 0;
                return;
            }
            from = nul + 1;
        }
        int n = Math.max(0, Math.min(end - from, BYTES));
        if (bytes == null) {
            bytes = new byte[BYTES];
        }
        buf.getBytes(from, bytes, 0, n);
        length = n;
    }

    /** The first {@link #CHARS} characters, on one line. */
    String text() {
        if (bytes == null) {
            return "";
        }
        int n = 0;
        while (n < length && bytes[n] != 0) {
            n++;
        }
        String s = new String(bytes, 0, n, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        return s.length() > CHARS ? s.substring(0, CHARS) + "..." : s;
    }
}
