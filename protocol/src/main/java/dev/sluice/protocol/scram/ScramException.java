// A SCRAM exchange failed: wrong proof, server signature mismatch, or the server sent "e=".
package dev.sluice.protocol.scram;

/**
 * An authentication failure, as opposed to a malformed message (ProtocolException). Unchecked so
 * callers can handle it in the same catch as other login failures; the proxy reports it to the
 * client as 28P01.
 */
public class ScramException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ScramException(String message) {
        super(message);
    }
}
