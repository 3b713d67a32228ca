// BackendKeyData ('K'): process id and secret key a client quotes in a CancelRequest.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * BackendKeyData with a 4-byte secret key (protocol 3.0). The pooler sends its own keys to clients
 * and keeps each server's keys to forward cancellations.
 */
public record BackendKeyData(int processId, int secretKey) {

    public static BackendKeyData decode(ByteBuf body) {
        Wire.require(body, 8, "BackendKeyData");
        BackendKeyData result = new BackendKeyData(body.readInt(), body.readInt());
        // Protocol 3.2 allows longer keys; servers only send them when the client asked for 3.2,
        // which the pooler never does, so extra bytes are a violation.
        Wire.expectEnd(body, "BackendKeyData");
        return result;
    }

    public void encode(ByteBuf out) {
        out.writeByte(BackendType.BACKEND_KEY_DATA.code);
        out.writeInt(12);
        out.writeInt(processId);
        out.writeInt(secretKey);
    }
}
