// The last reason a pool could not connect or log in to its backend, and when a retry is allowed.
package dev.sluice.proxy.pool;

/**
 * @param sqlState what clients are told: 08001 for connect errors, or the server's own code (28P01, 3D000...)
 * @param clientMessage one line naming the backend and the cause
 * @param retryAtNanos before this, new clients fail at once (server_login_retry)
 */
public record ConnectFailure(String sqlState, String clientMessage, long retryAtNanos) {
    public boolean retryAllowed(long now) {
        return now - retryAtNanos >= 0;
    }
}
