// A message header announced a length outside the allowed range: the stream cannot be trusted any further.
package dev.sluice.proxy.relay;

import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;

/** Thrown by {@link FrameScanner}; the connection that sent it is closed with 08P01 or 54000. */
public final class MessageTooLargeException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(byte type, int length, int max) {
        super(length < 4 ? SqlState.PROTOCOL_VIOLATION : SqlState.PROGRAM_LIMIT_EXCEEDED,
                length < 4
                        ? "invalid message length " + length + " for message type '" + printable(type) + "'"
                        : "message of type '" + printable(type) + "' is too large: " + length
                                + " bytes (expected: <= " + max + ", max_packet_size)");
    }

    private static String printable(byte type) {
        return type >= 32 && type < 127 ? String.valueOf((char) type) : String.format("0x%02x", type & 0xff);
    }
}
