// A TLS setting or file that cannot be used; at startup a config error (exit 2), on reload the old setup stays.
package dev.sluice.proxy.tls;

/** The message names the setting and the file. */
public final class TlsConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    TlsConfigException(String message) {
        super(message);
    }

    TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
