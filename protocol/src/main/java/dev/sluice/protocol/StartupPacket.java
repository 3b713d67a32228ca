// The first packet of a connection: StartupMessage, SSLRequest, GSSENCRequest or CancelRequest.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A startup-phase packet. These have no type byte; the Int32 after the length tells them apart.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP">Start-up</a>
 */
public sealed interface StartupPacket permits StartupMessage, SslRequest, GssEncRequest, CancelRequest {
    /** Protocol 3.0, the only major version PostgreSQL has spoken since 7.4. */
    int PROTOCOL_3_0 = 196608;
    /** Code of SSLRequest (1234.5679). */
    int SSL_REQUEST_CODE = 80877103;
    /** Code of GSSENCRequest (1234.5680). */
    int GSSENC_REQUEST_CODE = 80877104;
    /** Code of CancelRequest (1234.5678). */
    int CANCEL_REQUEST_CODE = 80877102;

    /** Writes the complete packet, length included. */
    void encode(ByteBuf out);

    /**
     * Decodes a packet from its body: everything after the Int32 length, starting with the Int32
     * protocol version or request code. Reads the whole body.
     *
     * @throws ProtocolException for unknown codes, unsupported major versions or a bad layout
     */
    static StartupPacket decode(ByteBuf body) {
        Wire.require(body, 4, "startup packet");
        int code = body.readInt();
        switch (code) {
            case SSL_REQUEST_CODE -> {
                Wire.expectEnd(body, "SSLRequest");
                return SslRequest.INSTANCE;
            }
            case GSSENC_REQUEST_CODE -> {
                Wire.expectEnd(body, "GSSENCRequest");
                return GssEncRequest.INSTANCE;
            }
            case CANCEL_REQUEST_CODE -> {
                return CancelRequest.decode(body);
            }
            default -> {
                int major = code >>> 16;
                int minor = code & 0xFFFF;
                if (major != 3) {
                    throw new ProtocolException("unsupported frontend protocol "
                            + major + "." + minor + ": server supports 3.0");
                }
                // A 3.x minor above 0 is accepted as PostgreSQL does; the version is kept so the
                // proxy can answer NegotiateProtocolVersion.
                return StartupMessage.decode(code, body);
            }
        }
    }
}
