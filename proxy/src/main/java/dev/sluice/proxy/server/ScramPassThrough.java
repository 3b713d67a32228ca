// Keys recovered from a client's SCRAM login, used to log servers in without a stored plain password.
package dev.sluice.proxy.server;

/** As PgBouncer does: ClientKey from the client's proof, ServerKey from the stored verifier. */
public record ScramPassThrough(byte[] clientKey, byte[] serverKey) {
    @Override
    public String toString() {
        return "ScramPassThrough[keys hidden]";
    }
}
