// Raised when a pool's backend failed recently and no server exists: clients fail at once instead of waiting.
package dev.sluice.proxy.pool;

/** Carries the remembered connect failure so the client's error names the backend and the cause. */
public final class PoolUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ConnectFailure failure;

    public PoolUnavailableException(ConnectFailure failure) {
        super(failure.clientMessage(), null, false, false);
        this.failure = failure;
    }

    public ConnectFailure failure() {
        return failure;
    }
}
