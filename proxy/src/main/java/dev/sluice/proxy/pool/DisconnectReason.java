// Why Sluice closed a connection; each text is the setting or event that caused it, as logged, counted and sent.
package dev.sluice.proxy.pool;

/** Named after the config keys (PgBouncer's convention) so an operator can grep for the cause. */
public enum DisconnectReason {
    /** The client sent Terminate or closed its socket. */
    CLIENT_CLOSE("client close request"),
    /** The server closed its socket or failed a write. */
    SERVER_CLOSED("server conn crashed?"),
    /** The client vanished while its server was mid-query or mid-COPY: the server was closed, not reused. */
    CLIENT_GONE_DIRTY("client disconnected with a server in use"),
    /** Sluice's own clean-up (ROLLBACK, reset query) failed. */
    CLEANUP_FAILED("server_reset_query failed"),
    /** Waited longer than query_wait_timeout for a server. */
    QUERY_WAIT_TIMEOUT("query_wait_timeout"),
    /** Could not connect or log in to the backend. */
    SERVER_LOGIN_FAILED("server login failed"),
    /** The peer broke the protocol. */
    PROTOCOL_VIOLATION("protocol violation"),
    /** Authentication failed. */
    AUTH_FAILED("password authentication failed"),
    /** A limit (max_client_conn, max_db_connections, ...) refused the connection. */
    LIMIT("connection limit"),
    /** A transaction block in statement mode. */
    STATEMENT_MODE_TRANSACTION("transaction blocks not allowed in statement pooling mode"),
    /** Exceeded client_login_timeout. */
    CLIENT_LOGIN_TIMEOUT("client_login_timeout"),
    /** Exceeded server_lifetime. */
    SERVER_LIFETIME("server_lifetime"),
    /** Exceeded server_idle_timeout. */
    SERVER_IDLE_TIMEOUT("server_idle_timeout"),
    /** An unexpected error inside Sluice. */
    INTERNAL_ERROR("internal error");

    private final String text;

    DisconnectReason(String text) {
        this.text = text;
    }

    @Override
    public String toString() {
        return text;
    }
}
