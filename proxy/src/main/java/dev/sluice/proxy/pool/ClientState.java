// Where a client connection is in its life; each logged-in state is one of the pool's lists.
package dev.sluice.proxy.pool;

/** Only {@link PoolLists#changeState} moves a client between these once it has a pool. */
public enum ClientState {
    /** No pool list yet: startup packet and authentication. */
    LOGIN,
    /** In {@code PoolLists.clients}: logged in, linked to no server (transaction mode between transactions). */
    IDLE,
    /** In {@code PoolLists.clients} and {@code PoolLists.waiting[loop]}: has work and waits for a server. */
    WAITING,
    /** In {@code PoolLists.clients}: linked to a server. */
    ACTIVE,
    /** In no list. */
    CLOSED
}
