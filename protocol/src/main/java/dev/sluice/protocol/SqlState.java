// SQLSTATE codes the pooler sends in ErrorResponse, named as in PostgreSQL's errcodes.txt.
package dev.sluice.protocol;

/**
 * SQLSTATE codes used by the pooler. Names and values follow PostgreSQL's Appendix A so clients
 * that branch on codes (retry on 57P01, give up on 28P01) behave as they would against Postgres.
 *
 * @see <a href="https://www.postgresql.org/docs/current/errcodes-appendix.html">Error Codes</a>
 */
public final class SqlState {
    /** Class 08: the connection to the client or server is unusable. */
    public static final String CONNECTION_EXCEPTION = "08000";
    /** The pooler could not open a server connection for the client. */
    public static final String SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION = "08001";
    /** A server connection broke while in use. */
    public static final String CONNECTION_FAILURE = "08006";
    /** The peer sent bytes that break the wire protocol. */
    public static final String PROTOCOL_VIOLATION = "08P01";
    /** The client asked for something the pooler does not implement. */
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    /** A parameter value (e.g. in the startup packet) is unacceptable. */
    public static final String INVALID_PARAMETER_VALUE = "22023";
    /** Generic "cannot do this inside a transaction" state. */
    public static final String INVALID_TRANSACTION_STATE = "25000";
    /** The command cannot run inside a transaction block. */
    public static final String ACTIVE_SQL_TRANSACTION = "25001";
    /** The session sat idle inside a transaction for too long. */
    public static final String IDLE_IN_TRANSACTION_SESSION_TIMEOUT = "25P03";
    /** A transaction lasted longer than allowed (PostgreSQL 17's transaction_timeout). */
    public static final String TRANSACTION_TIMEOUT = "25P04";
    /** A prepared statement name is unknown. */
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";
    /** Login rejected for a reason other than the password (no user, not allowed). */
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    /** The password (or SCRAM proof) is wrong. */
    public static final String INVALID_PASSWORD = "28P01";
    /** The requested database does not exist (in the pooler's configuration). */
    public static final String INVALID_CATALOG_NAME = "3D000";
    /** insufficient_privilege: e.g. a stats_users member running an admin-only console command. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** Admin console command could not be parsed. */
    public static final String SYNTAX_ERROR = "42601";
    /** A prepared statement with this name already exists. */
    public static final String DUPLICATE_PREPARED_STATEMENT = "42P05";
    /** The pooler's or the pool's client limit is reached. */
    public static final String TOO_MANY_CONNECTIONS = "53300";
    /** A configured limit other than connection count is exceeded. */
    public static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";
    /** A message or value is larger than the pooler accepts. */
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    /** An object is not in the state the command requires. */
    public static final String OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    /** A query was cancelled (also used for query wait timeout). */
    public static final String QUERY_CANCELED = "57014";
    /** The pooler or server is shutting down or an admin killed the session. */
    public static final String ADMIN_SHUTDOWN = "57P01";
    /** The server crashed and the session was lost. */
    public static final String CRASH_SHUTDOWN = "57P02";
    /** The pooler (or server) is starting, paused or otherwise cannot accept sessions now. */
    public static final String CANNOT_CONNECT_NOW = "57P03";
    /** The session sat idle (outside a transaction) for too long (PostgreSQL 14's idle_session_timeout). */
    public static final String IDLE_SESSION_TIMEOUT = "57P05";
    /** config_file_error: a RELOAD found a config it could not apply. */
    public static final String CONFIG_FILE_ERROR = "F0000";
    /** A bug in the pooler. */
    public static final String INTERNAL_ERROR = "XX000";

    private SqlState() {
    }
}
