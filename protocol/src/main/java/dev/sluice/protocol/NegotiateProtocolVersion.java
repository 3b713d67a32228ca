// NegotiateProtocolVersion ('v'): tells a client which minor version and options we support.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * NegotiateProtocolVersion, sent after a StartupMessage that asked for a newer 3.x minor version
 * or {@code _pq_.} options the pooler does not understand.
 *
 * @param newestMinorVersion newest minor version of protocol 3 the server supports
 * @param unrecognizedOptions option names from the StartupMessage that were not recognized
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    public static NegotiateProtocolVersion decode(ByteBuf body) {
        Wire.require(body, 8, "NegotiateProtocolVersion");
        int minor = body.readInt();
        int count = body.readInt();
        if (count < 0 || count > body.readableBytes()) {
            throw new ProtocolException("invalid NegotiateProtocolVersion message format: option count " + count);
        }
        List<String> options = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            options.add(Wire.readCString(body));
        }
        Wire.expectEnd(body, "NegotiateProtocolVersion");
        return new NegotiateProtocolVersion(minor, options);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, BackendType.NEGOTIATE_PROTOCOL_VERSION.code);
        out.writeInt(newestMinorVersion);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            Wire.writeCString(out, option);
        }
        Wire.endMessage(out, lengthIndex);
    }
}
