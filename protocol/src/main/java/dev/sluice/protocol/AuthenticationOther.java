// Any authentication request the pooler cannot perform (KerberosV5, GSS, SSPI, ...).
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/**
 * An authentication request the pooler does not implement, kept only so the proxy can report
 * which method the server demanded. Any data after the subtype is dropped, so encode() writes the
 * subtype alone.
 *
 * @param code the Authentication subtype, e.g. {@link Authentication#GSS}
 */
public record AuthenticationOther(int code) implements Authentication {
    @Override
    public void encode(ByteBuf out) {
        Authentication.encode(out, code, null);
    }
}
