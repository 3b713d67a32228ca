// When a server connection goes back to the pool: PgBouncer's three pool modes.
package dev.sluice.config;

import java.util.Locale;

/** Pool modes, named and spelled as in PgBouncer's {@code pool_mode}. */
public enum PoolMode {
    /** The server is released when the client disconnects. */
    SESSION,
    /** The server is released when a transaction ends (ReadyForQuery 'I'). */
    TRANSACTION,
    /** The server is released after every statement; multi-statement transactions are refused. */
    STATEMENT;

    /**
     * Parses an ini word, case-insensitively.
     *
     * @throws IllegalArgumentException with a message listing the accepted words
     */
    public static PoolMode parse(String text) {
        String word = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (PoolMode mode : values()) {
            if (mode.toString().equals(word)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("expected one of session, transaction, statement");
    }

    /** The lowercase ini word, so SHOW CONFIG and logs print what the user writes. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
