// CancelRequest: sent on a new connection to cancel the query of the session holding these keys.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * CancelRequest with a 4-byte secret key. Protocol 3.2 allows longer keys, but the pooler
 * negotiates clients down to 3.0 and issues its own 4-byte keys, so a longer key is a violation.
 */
public record CancelRequest(int processId, int secretKey) implements StartupPacket {

    /** Decodes the fields after the request code. */
    static CancelRequest decode(ByteBuf body) {
        if (body.readableBytes() != 8) {
            throw new ProtocolException("invalid length of CancelRequest: " + (body.readableBytes() + 8));
        }
        return new CancelRequest(body.readInt(), body.readInt());
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(16);
        out.writeInt(CANCEL_REQUEST_CODE);
        out.writeInt(processId);
        out.writeInt(secretKey);
    }
}
