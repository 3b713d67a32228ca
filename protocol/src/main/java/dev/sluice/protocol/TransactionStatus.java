// Transaction status byte of ReadyForQuery; drives the pooler's decision to release a server.
package dev.sluice.protocol;

/** Transaction status as reported in ReadyForQuery. */
public enum TransactionStatus {
    /** 'I': not in a transaction block; in transaction pooling the server can be released. */
    IDLE('I'),
    /** 'T': inside a transaction block; the server must stay linked to the client. */
    IN_TRANSACTION('T'),
    /** 'E': inside a failed transaction block; still linked until ROLLBACK. */
    FAILED('E'),
    /** Any other byte. It cannot be encoded: the pooler must never invent a status. */
    UNKNOWN(0);

    /** The status byte on the wire (0 for UNKNOWN). */
    public final byte code;

    TransactionStatus(int code) {
        this.code = (byte) code;
    }

    public static TransactionStatus of(byte code) {
        return switch (code) {
            case 'I' -> IDLE;
            case 'T' -> IN_TRANSACTION;
            case 'E' -> FAILED;
            default -> UNKNOWN;
        };
    }
}
