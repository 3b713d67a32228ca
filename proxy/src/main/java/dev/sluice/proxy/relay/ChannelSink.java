// The write end of a relay: forwarded bytes go to a channel's outbound buffer, past the pipeline walk when nothing in it writes.
package dev.sluice.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundHandler;
import java.util.Map;

/**
 * Every relayed message batch is one write. Through the pipeline, each write walks the handler contexts from
 * the tail looking for an outbound handler; with hundreds of connections those contexts are cold in the cache,
 * and the walk cost more than the rest of Sluice's own per-write work (profiled at 500 clients). A relay's
 * pipeline holds only inbound handlers unless TLS is on, so once the pipeline is final the write goes straight
 * to the channel's outbound buffer, exactly where the pipeline's head would put it.
 */
public final class ChannelSink implements FrameScanner.Sink {
    private final Channel channel;
    private boolean direct;

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
    }

    @Override
    public void write(ByteBuf bytes) {
        if (direct) {
            channel.unsafe().write(bytes, channel.voidPromise());
        } else {
            channel.write(bytes, channel.voidPromise());
        }
    }
}
