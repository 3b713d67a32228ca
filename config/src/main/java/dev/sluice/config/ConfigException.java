// A configuration error that names where it came from: file, line and key.
package dev.sluice.config;

import java.nio.file.Path;

/**
 * Thrown for any configuration that Sluice refuses to start with. The message is complete and meant
 * for an operator ({@code pgbouncer.ini:12: default_pool_size = 'abc': expected an integer in
 * 1..100000}); the accessors let tools point at the spot. Messages never contain secrets.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final String key;

    /**
     * @param message complete, human-readable message (already including any file:line prefix)
     * @param file the file at fault, or null when the error did not come from a file
     * @param line 1-based line number, or 0 when not applicable
     * @param key the setting or connection-string key at fault, or null
     */
    public ConfigException(String message, Path file, int line, String key) {
        super(message);
        this.file = file;
        this.line = line;
        this.key = key;
    }

    /** An error not tied to any file or key, e.g. a malformed URL. */
    public ConfigException(String message) {
        this(message, null, 0, null);
    }

    /** Builds "file:line: detail" for an error found while reading a file. */
    static ConfigException at(Path file, int line, String key, String detail) {
        return new ConfigException(Origin.describe(file, line) + ": " + detail, file, line, key);
    }

    /** The file at fault, or null. */
    public Path file() {
        return file;
    }

    /** The 1-based line at fault, or 0 when not applicable. */
    public int line() {
        return line;
    }

    /** The key at fault, or null. */
    public String key() {
        return key;
    }
}
