// Low-level framing helpers: length placeholders, backfilled lengths and NUL-terminated strings.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The one place that knows how a message is framed: {@code type byte, Int32 length, body}, where
 * the length counts itself and the body but not the type byte. Encoders write a placeholder,
 * write the body, then backfill, so no encoder computes sizes by hand.
 */
public final class Wire {
    /**
     * Largest startup-phase packet accepted, as in PostgreSQL ({@code MAX_STARTUP_PACKET_LENGTH})
     * and PgBouncer. Bounding it stops an unauthenticated client from making us buffer megabytes.
     */
    public static final int MAX_STARTUP_PACKET = 10000;

    private Wire() {
    }

    /**
     * Writes the type byte and a length placeholder.
     *
     * @return the index of the length field, to pass to {@link #endMessage}
     */
    public static int beginMessage(ByteBuf out, byte type) {
        out.writeByte(type);
        return beginUntyped(out);
    }

    /**
     * Writes a length placeholder for a startup-phase packet, which has no type byte.
     *
     * @return the index of the length field, to pass to {@link #endMessage}
     */
    public static int beginUntyped(ByteBuf out) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    /** Backfills the length: everything from the length field to the current writer index. */
    public static void endMessage(ByteBuf out, int lengthIndex) {
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }

    /** Writes a message that has no body, such as Sync or Terminate. */
    public static void writeEmpty(ByteBuf out, byte type) {
        out.writeByte(type);
        out.writeInt(4);
    }

    /**
     * Writes {@code s} as UTF-8 followed by NUL.
     *
     * @throws IllegalArgumentException if {@code s} contains NUL, which would end the string early
     *     and shift every following field of the message
     */
    public static void writeCString(ByteBuf out, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string contains NUL: " + s.replace('\0', '?'));
        }
        ByteBufUtil.writeUtf8(out, s);
        out.writeByte(0);
    }

    /**
     * Reads a UTF-8 string up to NUL and moves the reader index past the NUL.
     *
     * @throws ProtocolException (08P01) if there is no NUL before the end of the readable bytes
     */
    public static String readCString(ByteBuf in) {
        int length = in.bytesBefore((byte) 0);
        if (length < 0) {
            throw new ProtocolException("invalid string in message: missing NUL terminator");
        }
        String s = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length + 1);
        return s;
    }

    /**
     * Checks that a fixed-size field is present, so a short body becomes a protocol error rather
     * than an IndexOutOfBoundsException from Netty.
     */
    public static void require(ByteBuf in, int bytes, String message) {
        if (in.readableBytes() < bytes) {
            throw new ProtocolException("invalid " + message + " message format: truncated");
        }
    }

    /** Rejects trailing bytes, as PostgreSQL's {@code pq_getmsgend} does. */
    public static void expectEnd(ByteBuf in, String message) {
        if (in.isReadable()) {
            throw new ProtocolException("invalid " + message + " message format: "
                    + in.readableBytes() + " unexpected trailing bytes");
        }
    }

    /** Reads exactly {@code length} bytes into a new array, checking they are present first. */
    static byte[] readBytes(ByteBuf in, int length, String message) {
        require(in, length, message);
        byte[] data = new byte[length];
        in.readBytes(data);
        return data;
    }
}
