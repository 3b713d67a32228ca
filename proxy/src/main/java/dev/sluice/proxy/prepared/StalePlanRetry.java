// Keeps a batch's client bytes until its ReadyForQuery so a "cached plan must not change result type" failure can be replayed.
package dev.sluice.proxy.prepared;

import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.SqlState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL refuses a cached plan whose result type changed (after ALTER TABLE) with 0A000; a session of its
 * own would see that once and re-prepare. Sluice re-prepares the statement for the client and replays the
 * batch once, invisibly, but only where that is exactly what the client would get from a fresh statement:
 * <ul>
 *   <li>the batch ran in an implicit transaction (status 'I' before it), so a replay repeats no effect;</li>
 *   <li>it starts with the Bind that failed, so no reply of it reached the client yet;</li>
 *   <li>it Describes its portal before each Execute, so the client learns the new row shape from the replay.
 *       A client that caches row descriptions and skips Describe (pgjdbc) would otherwise decode rows of the
 *       new shape with the old description: it gets the error, as from PostgreSQL, and re-prepares itself;</li>
 *   <li>nothing else was pipelined behind it (that would run before the replay).</li>
 * </ul>
 * Shape: Bind, then Describe/Execute/Flush, then Sync, and nothing after it before the failed batch's
 * ReadyForQuery (a message after the Sync drops the recording). One per server connection, on its event loop; the
 * recorded slices are retained and released here (never forwarded).
 */
final class StalePlanRetry {
    private static final String STALE_PLAN = "cached plan must not change result type";

    private final List<ByteBuf> messages = new ArrayList<>(4);
    private Statement statement;
    private boolean described;
    private boolean complete;
    /** The failure is hidden from the client; the replay is due at the failed batch's ReadyForQuery. */
    private boolean due;
    /** The hidden error, when the client sent more after all: it is shown at its place after all. */
    private ErrorResponse hidden;
    /** The batch on the server now is itself a replay: a second stale plan is reported, not retried. */
    private boolean replaying;

    /** PostgreSQL's refusal of a cached plan whose result type changed. */
    static boolean isStalePlan(ErrorResponse e) {
        return SqlState.FEATURE_NOT_SUPPORTED.equals(e.code()) && e.message() != null
                && e.message().contains(STALE_PLAN);
    }

    /** A Bind of a named statement that starts a batch in an implicit transaction. */
    void start(ByteBuf bind, Statement s) {
        discard();
        if (!replaying) {
            messages.add(bind);
            statement = s;
        } else {
            bind.release();
        }
    }

    boolean recording() {
        return statement != null;
    }

    /** A later message of the batch being recorded ({@code message} is a retained copy or null when not whole). */
    void add(byte type, ByteBuf message) {
        boolean fits = message != null && !complete && switch (type) {
            case 'D' -> {
                described = true;
                yield true;
            }
            case 'E' -> described;
            case 'H' -> true;
            case 'S' -> {
                complete = true;
                yield true;
            }
            default -> false;
        };
        if (fits) {
            messages.add(message);
            return;
        }
        if (message != null) {
            message.release();
        }
        discard();
    }

    /**
     * The recorded batch's Bind failed with a stale plan of {@code s}: true when the error is hidden for now.
     * The rest of the batch may still be on its way (PostgreSQL answers the Bind before the Sync arrives);
     * if it turns out not to qualify, {@link #takeHidden} gives the error back to show at its place.
     */
    boolean hide(Statement s, ErrorResponse error) {
        if (statement == null || statement != s) {
            return false;
        }
        due = true;
        hidden = error;
        return true;
    }

    boolean due() {
        return due;
    }

    /** The error hidden for a replay that cannot happen after all, once; null otherwise. */
    ErrorResponse takeHidden() {
        ErrorResponse e = due ? null : hidden;
        hidden = null;
        return e;
    }

    /** The batch's bytes as the client sent them, in one buffer the caller owns. */
    ByteBuf takeReplay(ByteBufAllocator alloc) {
        int size = 0;
        for (ByteBuf m : messages) {
            size += m.readableBytes();
        }
        ByteBuf out = alloc.buffer(size);
        for (ByteBuf m : messages) {
            out.writeBytes(m);
        }
        due = false;
        hidden = null;
        discard();
        replaying = true;
        return out;
    }

    /** A ReadyForQuery reached the client: whatever was recorded is answered. */
    void finished() {
        replaying = false;
        hidden = null;
        discard();
    }

    /** Drops the recording (the batch did not qualify, or more followed it): no replay; a hidden error stays. */
    void discard() {
        due = false;
        for (ByteBuf m : messages) {
            m.release();
        }
        messages.clear();
        statement = null;
        described = false;
        complete = false;
    }

    /** The link ended. */
    void reset() {
        due = false;
        hidden = null;
        replaying = false;
        discard();
    }
}
