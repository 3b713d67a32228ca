// Type bytes of messages sent by the frontend (client to server), named as in the PostgreSQL docs.
package dev.sluice.protocol;

/**
 * Frontend message types. Kept apart from {@link BackendType} on purpose: 'D', 'S', 'E' and 'C'
 * mean different messages in each direction.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message Formats</a>
 */
public enum FrontendType {
    /** Bind: binds parameters to a prepared statement, creating a portal. */
    BIND('B'),
    /** Close: closes a prepared statement or portal. */
    CLOSE('C'),
    /** CopyData: a chunk of COPY FROM STDIN data. */
    COPY_DATA('d'),
    /** CopyDone: end of COPY FROM STDIN data. */
    COPY_DONE('c'),
    /** CopyFail: the client aborts COPY FROM STDIN. */
    COPY_FAIL('f'),
    /** Describe: asks for the description of a statement or portal. */
    DESCRIBE('D'),
    /** Execute: runs a portal. */
    EXECUTE('E'),
    /** Flush: asks the server to send pending output. */
    FLUSH('H'),
    /** FunctionCall: the legacy fast-path function call. */
    FUNCTION_CALL('F'),
    /** Parse: creates a prepared statement. */
    PARSE('P'),
    /** PasswordMessage, and also GSSResponse, SASLInitialResponse and SASLResponse. */
    PASSWORD('p'),
    /** Query: a simple-protocol query string. */
    QUERY('Q'),
    /** Sync: ends an extended-protocol batch; the server answers ReadyForQuery. */
    SYNC('S'),
    /** Terminate: the client is closing the session. */
    TERMINATE('X'),
    /** Any byte not listed above; its {@code code} is 0 and carries no meaning. */
    UNKNOWN(0);

    private static final FrontendType[] BY_CODE = new FrontendType[256];

    static {
        java.util.Arrays.fill(BY_CODE, UNKNOWN);
        for (FrontendType t : values()) {
            if (t != UNKNOWN) {
                BY_CODE[t.code & 0xFF] = t;
            }
        }
    }

    /** The type byte on the wire. */
    public final byte code;

    FrontendType(int code) {
        this.code = (byte) code;
    }

    /** Looks up a type byte with one array access; unknown bytes map to {@link #UNKNOWN}. */
    public static FrontendType of(byte code) {
        return BY_CODE[code & 0xFF];
    }
}
