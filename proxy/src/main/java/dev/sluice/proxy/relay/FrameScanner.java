// Walks a byte stream message by message without copying: forwards runs of messages as one slice, hands the few it must act on to an Inspector.
package dev.sluice.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * The one framing loop of the data path, used in both directions.
 *
 * <p>Bytes arrive in {@link #feed}; the scanner reads only the 5-byte header of each message. Messages the
 * inspector forwards are written to the peer as retained slices of the input, a whole run at a time, so a
 * batch of small messages becomes one write. A message larger than {@link #STREAM_THRESHOLD} whose body the
 * inspector does not need streams through as it arrives: nothing ever buffers a whole large message.
 *
 * <p>Ownership: the scanner owns its cumulation; forwarded slices are retained and handed to {@code write()}, and
 * a cumulation relayed whole is handed over itself.
 */
public final class FrameScanner {
    /** Messages above this size are streamed in pieces when the inspector does not need their body. */
    public static final int STREAM_THRESHOLD = 16 * 1024;

    /** What the inspector wants done with a whole message. */
    public enum Action {
        /** Relay it unchanged to the peer. */
        FORWARD,
        /** Drop it: the inspector has read what it needed (and released nothing: the scanner owns the bytes). */
        CONSUME,
        /** Relay it, then stop scanning; the rest stays buffered until {@link #resume()}. */
        FORWARD_AND_PAUSE,
        /** Drop it and stop scanning, as above. */
        CONSUME_AND_PAUSE,
        /**
         * Drop the first {@link #skipPrefix} bytes (the inspector wrote its own replacement head) and relay
         * the rest unchanged, streaming it if large: a Bind's parameters are never copied.
         */
        REPLACE_PREFIX
    }

    /** Decides per message; called on the connection's event loop only. */
    public interface Inspector {
        /** True when the inspector must see this type's whole body (it is then never streamed). */
        boolean needsBody(byte type);

        /** For a streamed message: how many bytes (header included) must be readable before the first call. */
        default int prefixNeeded(byte type) {
            return 5;
        }

        /**
         * A message: {@code buf} holds it at {@code index} (type byte) with {@code length} bytes in all when
         * {@code whole}; when not whole only the header is guaranteed readable and the action may only be
         * FORWARD or CONSUME (the rest of the body follows the same way).
         */
        Action onMessage(byte type, ByteBuf buf, int index, int length, boolean whole);

        /** Where forwarded bytes go; null means there is no peer now (forwarded bytes are then dropped). */
        Sink sink();
    }

    /** The peer side of a relay. */
    public interface Sink {
        void write(ByteBuf bytes);
    }

    private final Inspector inspector;
    private final int maxMessageLength;
    private ByteBuf cumulation;
    /** Bytes of a streamed message still to come. */
    private long passthrough;
    /** Whether those bytes are forwarded (true) or dropped. */
    private boolean passthroughForward;
    private boolean paused;
    /** During a scan: start of the run not yet forwarded, and of the message being inspected. */
    private int runStart;
    private int messageStart;
    private int messageEnd;
    private int skip;

    public FrameScanner(Inspector inspector, int maxMessageLength) {
        this.inspector = inspector;
        this.maxMessageLength = maxMessageLength;
    }

    /** Takes ownership of {@code in} and scans as far as possible. */
    public void feed(ByteBuf in) {
        if (cumulation == null) {
            cumulation = in;
        } else {
            cumulation = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(in.alloc(), cumulation, in);
        }
        if (!paused) {
            scan();
        }
        if (cumulation != null) {
            // what waits past this read (a message for a server not yet linked, a partial message) moves out of
            // the loop's read buffer, so that buffer is back for the next read
            cumulation = LoopBuffers.INSTANCE.keep(cumulation);
        }
    }

    /** Takes ownership of {@code bytes} and scans them before anything already buffered. */
    public void prepend(ByteBuf bytes) {
        if (cumulation != null && cumulation.isReadable()) {
            if (passthrough > 0) {
                bytes.release();
                throw new IllegalStateException("cannot insert messages inside a streamed message");
            }
            ByteBuf both = bytes.alloc().buffer(bytes.readableBytes() + cumulation.readableBytes());
            both.writeBytes(bytes).writeBytes(cumulation);
            bytes.release();
            cumulation.release();
            cumulation = both;
        } else {
            if (cumulation != null) {
                cumulation.release();
            }
            cumulation = bytes;
        }
        if (!paused) {
            scan();
        }
    }

    /** Continues after a pause. */
    public void resume() {
        paused = false;
        if (cumulation != null) {
            scan();
        }
    }

    /** Stops scanning after the current message (for callers outside an inspector callback, too). */
    public void pause() {
        paused = true;
    }

    /** True when unscanned bytes are buffered. */
    public boolean hasBuffered() {
        return cumulation != null && cumulation.isReadable();
    }

    /** Bytes buffered and not yet scanned (or held while paused). */
    public int buffered() {
        return cumulation == null ? 0 : cumulation.readableBytes();
    }

    /** True while part of a message has been relayed and the rest is still to come. */
    public boolean streaming() {
        return passthrough > 0;
    }

    /** Type byte of the first buffered message, or -1. */
    public int peekType() {
        return hasBuffered() && passthrough == 0 ? cumulation.getByte(cumulation.readerIndex()) : -1;
    }

    /** Releases what is buffered; the scanner is unusable for the stream it was on. */
    public void release() {
        if (cumulation != null) {
            ReferenceCountUtil.safeRelease(cumulation);
            cumulation = null;
        }
        passthrough = 0;
    }

    /**
     * From inside {@link Inspector#onMessage}: forwards the messages before the current one now, so that an
     * inspector writing its own replacement for the current message keeps the stream's order.
     */
    public void flushBeforeCurrent() {
        if (cumulation != null) {
            runStart = flushRun(cumulation, runStart, messageStart);
        }
    }

    /** From inside {@link Inspector#onMessage}: forwards everything up to and including the current message. */
    public void flushThroughCurrent() {
        if (cumulation != null) {
            runStart = flushRun(cumulation, runStart, Math.min(messageEnd, cumulation.writerIndex()));
        }
    }

    /** With {@link Action#REPLACE_PREFIX}: how many leading bytes of the current message to drop. */
    public void skipPrefix(int bytes) {
        skip = bytes;
    }

    private void scan() {
        ByteBuf buf = cumulation;
        int pos = buf.readerIndex();
        int end = buf.writerIndex();
        runStart = pos;
        try {
            while (!paused) {
                if (passthrough > 0) {
                    int n = (int) Math.min(passthrough, end - pos);
                    if (!passthroughForward) {
                        runStart = flushRun(buf, runStart, pos) + n;
                    }
                    pos += n;
                    passthrough -= n;
                    if (passthrough > 0) {
                        break;
                    }
                    continue;
                }
                int avail = end - pos;
                if (avail < 5) {
                    break;
                }
                byte type = buf.getByte(pos);
                int length = buf.getInt(pos + 1);
                if (length < 4 || length > maxMessageLength) {
                    throw new MessageTooLargeException(type, length, maxMessageLength);
                }
                int total = length + 1;
                messageStart = pos;
                messageEnd = pos + total;
                if (avail < total) {
                    if (total <= STREAM_THRESHOLD || inspector.needsBody(type)
                            || avail < Math.min(total, inspector.prefixNeeded(type))) {
                        break; // wait for the whole message, or enough of its head
                    }
                    Action action = inspector.onMessage(type, buf, pos, total, false);
                    passthroughForward = action == Action.FORWARD || action == Action.REPLACE_PREFIX;
                    if (action == Action.REPLACE_PREFIX) {
                        runStart = flushRun(buf, runStart, pos) + skip;
                    } else if (!passthroughForward) {
                        runStart = flushRun(buf, runStart, pos) + avail;
                    }
                    passthrough = total - avail;
                    pos = end;
                    break;
                }
                Action action = inspector.onMessage(type, buf, pos, total, true);
                switch (action) {
                    case FORWARD -> pos += total;
                    case REPLACE_PREFIX -> {
                        flushRun(buf, runStart, pos);
                        runStart = pos + skip;
                        pos += total;
                    }
                    case CONSUME -> {
                        flushRun(buf, runStart, pos);
                        pos += total;
                        runStart = pos;
                    }
                    case FORWARD_AND_PAUSE -> {
                        pos += total;
                        paused = true;
                    }
                    case CONSUME_AND_PAUSE -> {
                        flushRun(buf, runStart, pos);
                        pos += total;
                        runStart = pos;
                        paused = true;
                    }
                }
            }
            if (runStart == buf.readerIndex() && pos == buf.writerIndex() && cumulation == buf) {
                // the common case: everything read is relayed as it came; hand the buffer over instead of a slice
                cumulation = null;
                Sink sink = inspector.sink();
                if (sink != null) {
                    sink.write(buf);
                } else {
                    buf.release();
                }
                return;
            }
            flushRun(buf, runStart, pos);
        } finally {
            // bytes up to pos are either forwarded (slices hold their own reference) or dropped
            if (cumulation == buf) {
                buf.readerIndex(pos);
                if (!buf.isReadable()) {
                    buf.release();
                    cumulation = null;
                } else if (buf.readerIndex() > 64 * 1024 && buf.refCnt() == 1) {
                    buf.discardSomeReadBytes();
                }
            }
        }
    }

    /** Forwards [from, to) as one retained slice; returns {@code to}. */
    private int flushRun(ByteBuf buf, int from, int to) {
        if (to > from) {
            Sink sink = inspector.sink();
            if (sink != null) {
                sink.write(buf.retainedSlice(from, to - from));
            }
        }
        return to;
    }
}
