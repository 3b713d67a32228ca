// The write end of a relay: forwarded bytes go straight to the socket when nothing is queued, else to the channel's outbound buffer.
package dev.sluice.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.util.Map;

/**
 * Every relayed read is one write, and almost always the peer's socket has room for it. Through Netty each such
 * write walks the pipeline's handler contexts from the tail (cold in the cache with hundreds of connections),
 * takes an outbound-buffer entry and two atomic pending-bytes updates, then a flush walks the pipeline again
 * and recycles the entry: per transaction, more user time than PgBouncer spends in all. Once the pipeline is
 * final and holds no outbound handler (no TLS), the sink writes the bytes to the socket itself with one
 * write(2) when nothing is queued before them, and queues only what the socket did not take. Netty then
 * writes that rest, waits for EPOLLOUT and tracks writability exactly as for any of its own writes.
 */
public final class ChannelSink implements FrameScanner.Sink {
    private final Channel channel;
    /** Set once the pipeline is final and holds no outbound handler. */
    private boolean direct;
    /** The socket, for a native (epoll) channel in direct mode; null otherwise. */
    private FileDescriptor socket;

    public ChannelSink(Channel channel) {
        this.channel = channel;
    }

    /**
     * Call on the channel's loop once its pipeline is final (TLS negotiated, login done): Sluice never adds a
     * handler after that. Until then, and whenever an outbound handler (TLS) is present, writes use the pipeline.
     */
    public void pipelineSettled() {
        boolean outbound = false;
        for (Map.Entry<String, ChannelHandler> e : channel.pipeline()) {
            outbound |= e.getValue() instanceof ChannelOutboundHandler;
        }
        direct = !outbound;
        socket = direct && channel instanceof UnixChannel u ? u.fd() : null;
    }

    /** On the channel's loop: relays {@code bytes} (owned from here) after everything written before. */
    @Override
    public void write(ByteBuf bytes) {
        if (!direct) {
            channel.write(bytes, channel.voidPromise());
            return;
        }
        FileDescriptor fd = socket;
        // the outbound buffer is null once the channel closed, and empty only when no byte waits before these:
        // both checked on the loop that closes and writes, so the descriptor cannot be closed (and its number
        // reused by another connection) between the check and the write
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        if (fd != null && queued != null && queued.totalPendingWriteBytes() == 0 && fd.isOpen()
                && bytes.hasMemoryAddress()) {
            int from = bytes.readerIndex();
            int to = bytes.writerIndex();
            try {
                int n = fd.writeAddress(bytes.memoryAddress(), from, to); // 0 when the socket is full (EAGAIN)
                if (n == to - from) {
                    bytes.release();
                    return;
                }
                bytes.readerIndex(from + n);
            } catch (IOException e) {
                // a reset or closed peer: Netty's own write of the same bytes fails the same way and closes the
                // channel through its usual path, so errors are handled in one place
            }
        }
        channel.unsafe().write(bytes, channel.voidPromise());
    }

    /** Flushes what {@link #write} had to queue (and anything else written to the channel), as Channel.flush. */
    public void flush() {
        if (direct) {
            channel.unsafe().flush();
        } else {
            channel.flush();
        }
    }
}
