// ReadyForQuery ('Z'): the server finished a request cycle and reports its transaction status.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** ReadyForQuery. The three valid statuses are shared constants so the hot path allocates nothing. */
public record ReadyForQuery(TransactionStatus status) {
    public static final ReadyForQuery IDLE = new ReadyForQuery(TransactionStatus.IDLE);
    public static final ReadyForQuery IN_TRANSACTION = new ReadyForQuery(TransactionStatus.IN_TRANSACTION);
    public static final ReadyForQuery FAILED = new ReadyForQuery(TransactionStatus.FAILED);

    /** Decodes the status; an unknown byte yields {@link TransactionStatus#UNKNOWN} rather than failing. */
    public static ReadyForQuery decode(ByteBuf body) {
        Wire.require(body, 1, "ReadyForQuery");
        TransactionStatus status = TransactionStatus.of(body.readByte());
        Wire.expectEnd(body, "ReadyForQuery");
        return switch (status) {
            case IDLE -> IDLE;
            case IN_TRANSACTION -> IN_TRANSACTION;
            case FAILED -> FAILED;
            case UNKNOWN -> new ReadyForQuery(TransactionStatus.UNKNOWN);
        };
    }

    /** @throws IllegalStateException for UNKNOWN, which has no wire byte */
    public void encode(ByteBuf out) {
        if (status == TransactionStatus.UNKNOWN) {
            throw new IllegalStateException("cannot encode ReadyForQuery with UNKNOWN status");
        }
        out.writeByte(BackendType.READY_FOR_QUERY.code);
        out.writeInt(5);
        out.writeByte(status.code);
    }
}
