// A wire-protocol or login failure carrying the SQLSTATE the pooler should report to the peer.
package dev.sluice.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * Thrown by decoders and authentication code when a peer breaks the protocol. The SQLSTATE travels
 * with the exception so the proxy can turn it into an {@link ErrorResponse} without a lookup table.
 */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String sqlState;

    /** A protocol violation (08P01), the most common case. */
    public ProtocolException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    public ProtocolException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }

    /** Errors during startup or login end the session, so they are reported as FATAL. */
    public ErrorResponse toErrorResponse() {
        return ErrorResponse.fatal(sqlState, getMessage());
    }

    /**
     * Finds a ProtocolException in a cause chain. Netty's ByteToMessageDecoder wraps whatever a
     * decoder throws in a {@link DecoderException}, so exceptionCaught() must look one level down.
     *
     * @return the exception, or null when the chain holds none
     */
    public static ProtocolException find(Throwable t) {
        // Bounded so a pathological cause cycle cannot loop forever.
        Throwable c = t;
        for (int depth = 0; c != null && depth < 16; depth++, c = c.getCause()) {
            if (c instanceof ProtocolException pe) {
                return pe;
            }
        }
        return null;
    }
}
