// Where a server connection is in its life; each state is exactly one of the pool's lists.
package dev.sluice.proxy.pool;

/** Only {@link PoolLists#changeState} moves a server between these (and so between the pool's lists). */
public enum ServerState {
    /** In {@code PoolLists.login}: connecting and authenticating to PostgreSQL. */
    LOGIN,
    /** In {@code PoolLists.idle[loop]}: ready for a client, linked to none. */
    IDLE,
    /** In {@code PoolLists.active}: linked to a client that is running work on it. */
    ACTIVE,
    /** In {@code PoolLists.testing}: idle longer than server_check_delay, running server_check_query before reuse. */
    TESTING,
    /** In {@code PoolLists.used}: running Sluice's own clean-up (rollback, reset query, drain) before it may idle. */
    USED,
    /** In no list: closed or closing. */
    CLOSED
}
