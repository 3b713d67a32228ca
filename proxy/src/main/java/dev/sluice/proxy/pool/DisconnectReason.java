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
    /** A login without TLS where client_tls_sslmode requires it. */
    TLS_REQUIRED("client_tls_sslmode"),
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
    /** A client sat idle (no transaction) longer than client_idle_timeout. */
    CLIENT_IDLE_TIMEOUT("client_idle_timeout"),
    /** A client sat idle inside a transaction longer than idle_transaction_timeout (the idle-kill). */
    IDLE_TRANSACTION_TIMEOUT("idle_transaction_timeout"),
    /** A query ran longer than query_timeout: it was cancelled and its client disconnected. */
    QUERY_TIMEOUT("query_timeout"),
    /** A transaction lasted longer than transaction_timeout. */
    TRANSACTION_TIMEOUT("transaction_timeout"),
    /** A cancel request was not answered within cancel_wait_timeout. */
    CANCEL_WAIT_TIMEOUT("cancel_wait_timeout"),
    /** The health check of a long-idle server failed or did not answer in time. */
    SERVER_CHECK_FAILED("server_check_query"),
    /** Connecting and logging in took longer than server_connect_timeout. */
    SERVER_CONNECT_TIMEOUT("server_connect_timeout"),
    /** A pool already had max_waiting_clients waiting. */
    MAX_WAITING_CLIENTS("max_waiting_clients"),
    /** Sluice is shutting down (SIGTERM, admin SHUTDOWN): closed at a transaction boundary, or at once. */
    SHUTDOWN("shutdown"),
    /** Still connected when shutdown_timeout ran out: closed inside its transaction, which rolls back. */
    SHUTDOWN_TIMEOUT("shutdown_timeout"),
    /** A reload shrank the pool or removed its database/user: an idle server beyond the new size was closed. */
    RELOAD("reload"),
    /** An admin console command (KILL, KILL_CLIENT, RECONNECT, PAUSE, WAIT_CLOSE) closed it. */
    ADMIN("admin forced disconnect"),
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
