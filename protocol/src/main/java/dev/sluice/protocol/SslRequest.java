// SSLRequest: the client asks to upgrade the connection to TLS before the StartupMessage.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** SSLRequest. The server answers a single byte, 'S' or 'N', with no message framing. */
public enum SslRequest implements StartupPacket {
    /** The only instance: the packet has no fields. */
    INSTANCE;

    /** Byte the server sends to accept the TLS upgrade. */
    public static final byte ACCEPT = 'S';
    /** Byte the server sends to refuse it; the client may then continue in plain text. */
    public static final byte REFUSE = 'N';

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(SSL_REQUEST_CODE);
    }
}
