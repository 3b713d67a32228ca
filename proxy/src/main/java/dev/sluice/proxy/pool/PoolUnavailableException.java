// Raised when a pool cannot take a waiter: its backend failed recently and no server exists, or too many wait.
package dev.sluice.proxy.pool;

/** Carries the remembered connect failure so the client's error names the backend and the cause. */
public final class PoolUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ConnectFailure failure;
    private final DisconnectReason reason;

    public PoolUnavailableException(ConnectFailure failure, DisconnectReason reason) {
        super(failure.clientMessage(), null, false, false);
        this.failure = failure;
        this.reason = reason;
    }

    /** Why the client is refused: the backend is down, or max_waiting_clients. */
    public DisconnectReason reason() {
        return reason;
    }

    public ConnectFailure failure() {
        return failure;
    }
}
