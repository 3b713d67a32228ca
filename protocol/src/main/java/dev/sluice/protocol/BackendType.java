// Type bytes of messages sent by the backend (server to client), named as in the PostgreSQL docs.
package dev.sluice.protocol;

/**
 * Backend message types. Kept apart from {@link FrontendType} on purpose: 'D', 'S', 'E' and 'C'
 * mean different messages in each direction.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message Formats</a>
 */
public enum BackendType {
    /** Authentication*: every authentication request and AuthenticationOk. */
    AUTHENTICATION('R'),
    /** BackendKeyData: process id and secret key for CancelRequest. */
    BACKEND_KEY_DATA('K'),
    /** BindComplete. */
    BIND_COMPLETE('2'),
    /** CloseComplete. */
    CLOSE_COMPLETE('3'),
    /** CommandComplete: the command tag of a finished statement. */
    COMMAND_COMPLETE('C'),
    /** CopyData: a chunk of COPY TO STDOUT data. */
    COPY_DATA('d'),
    /** CopyDone: end of COPY TO STDOUT data. */
    COPY_DONE('c'),
    /** CopyInResponse: the server is ready to receive COPY FROM STDIN data. */
    COPY_IN_RESPONSE('G'),
    /** CopyOutResponse: the server starts COPY TO STDOUT. */
    COPY_OUT_RESPONSE('H'),
    /** CopyBothResponse: streaming replication COPY in both directions. */
    COPY_BOTH_RESPONSE('W'),
    /** DataRow: one result row. */
    DATA_ROW('D'),
    /** EmptyQueryResponse: the query string was empty. */
    EMPTY_QUERY_RESPONSE('I'),
    /** ErrorResponse. */
    ERROR_RESPONSE('E'),
    /** FunctionCallResponse: result of the legacy fast-path call. */
    FUNCTION_CALL_RESPONSE('V'),
    /** NegotiateProtocolVersion: the server supports an older minor version or not all options. */
    NEGOTIATE_PROTOCOL_VERSION('v'),
    /** NoData: the statement returns no rows. */
    NO_DATA('n'),
    /** NoticeResponse: a warning or informational message. */
    NOTICE_RESPONSE('N'),
    /** NotificationResponse: a LISTEN/NOTIFY notification. */
    NOTIFICATION_RESPONSE('A'),
    /** ParameterDescription: parameter types of a prepared statement. */
    PARAMETER_DESCRIPTION('t'),
    /** ParameterStatus: a reported run-time parameter changed. */
    PARAMETER_STATUS('S'),
    /** ParseComplete. */
    PARSE_COMPLETE('1'),
    /** PortalSuspended: Execute stopped at its row limit. */
    PORTAL_SUSPENDED('s'),
    /** ReadyForQuery: the server is idle, with its transaction status. */
    READY_FOR_QUERY('Z'),
    /** RowDescription: columns of the rows that follow. */
    ROW_DESCRIPTION('T'),
    /** Any byte not listed above; its {@code code} is 0 and carries no meaning. */
    UNKNOWN(0);

    private static final BackendType[] BY_CODE = new BackendType[256];

    static {
        java.util.Arrays.fill(BY_CODE, UNKNOWN);
        for (BackendType t : values()) {
            if (t != UNKNOWN) {
                BY_CODE[t.code & 0xFF] = t;
            }
        }
    }

    /** The type byte on the wire. */
    public final byte code;

    BackendType(int code) {
        this.code = (byte) code;
    }

    /** Looks up a type byte with one array access; unknown bytes map to {@link #UNKNOWN}. */
    public static BackendType of(byte code) {
        return BY_CODE[code & 0xFF];
    }
}
