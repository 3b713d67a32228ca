// Authentication* ('R'): the server's login requests and AuthenticationOk.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * An Authentication message. All share type 'R'; an Int32 subtype selects the variant.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message Formats</a>
 */
public sealed interface Authentication permits AuthenticationOk, AuthenticationCleartextPassword,
        AuthenticationMd5Password, AuthenticationSasl, AuthenticationSaslContinue, AuthenticationSaslFinal,
        AuthenticationOther {
    /** Subtype of AuthenticationOk. */
    int OK = 0;
    /** Subtype of AuthenticationKerberosV5 (unsupported since PostgreSQL 9.4). */
    int KERBEROS_V5 = 2;
    /** Subtype of AuthenticationCleartextPassword. */
    int CLEARTEXT_PASSWORD = 3;
    /** Subtype of AuthenticationMD5Password. */
    int MD5_PASSWORD = 5;
    /** Subtype of AuthenticationGSS. */
    int GSS = 7;
    /** Subtype of AuthenticationGSSContinue. */
    int GSS_CONTINUE = 8;
    /** Subtype of AuthenticationSSPI. */
    int SSPI = 9;
    /** Subtype of AuthenticationSASL. */
    int SASL = 10;
    /** Subtype of AuthenticationSASLContinue. */
    int SASL_CONTINUE = 11;
    /** Subtype of AuthenticationSASLFinal. */
    int SASL_FINAL = 12;

    /** Writes the complete message, type and length included. */
    void encode(ByteBuf out);

    /** Decodes a body (after type and length); reads all of it. */
    static Authentication decode(ByteBuf body) {
        Wire.require(body, 4, "Authentication");
        int code = body.readInt();
        Authentication result = switch (code) {
            case OK -> AuthenticationOk.INSTANCE;
            case CLEARTEXT_PASSWORD -> AuthenticationCleartextPassword.INSTANCE;
            case MD5_PASSWORD -> new AuthenticationMd5Password(Wire.readBytes(body, 4, "AuthenticationMD5Password"));
            case SASL -> new AuthenticationSasl(readMechanisms(body));
            case SASL_CONTINUE -> new AuthenticationSaslContinue(Wire.readBytes(body, body.readableBytes(), "Authentication"));
            case SASL_FINAL -> new AuthenticationSaslFinal(Wire.readBytes(body, body.readableBytes(), "Authentication"));
            default -> {
                // GSS/SSPI continuation data is meaningless to the pooler, which cannot do GSSAPI.
                body.skipBytes(body.readableBytes());
                yield new AuthenticationOther(code);
            }
        };
        Wire.expectEnd(body, "Authentication");
        return result;
    }

    private static List<String> readMechanisms(ByteBuf body) {
        List<String> mechanisms = new ArrayList<>();
        while (true) {
            String name = Wire.readCString(body);
            if (name.isEmpty()) {
                return mechanisms;
            }
            mechanisms.add(name);
        }
    }

    /** Shared encoder: subtype plus optional raw data. */
    static void encode(ByteBuf out, int code, byte[] data) {
        int lengthIndex = Wire.beginMessage(out, BackendType.AUTHENTICATION.code);
        out.writeInt(code);
        if (data != null) {
            out.writeBytes(data);
        }
        Wire.endMessage(out, lengthIndex);
    }
}
