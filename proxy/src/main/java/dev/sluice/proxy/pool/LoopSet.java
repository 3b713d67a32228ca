// The proxy's event loops by index, so pools can keep per-loop lists and connections know their loop cheaply.
package dev.sluice.proxy.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Fixed at start; index lookups are a scan of a tiny array (as many loops as cores). */
public final class LoopSet {
    private final EventLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();

    public LoopSet(EventLoopGroup group) {
        List<EventLoop> list = new ArrayList<>();
        for (EventExecutor e : group) {
            list.add((EventLoop) e);
        }
        this.loops = list.toArray(new EventLoop[0]);
    }

    public int size() {
        return loops.length;
    }

    public EventLoop get(int index) {
        return loops[index];
    }

    public int indexOf(EventLoop loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) {
                return i;
            }
        }
        throw new IllegalArgumentException("not one of the proxy's event loops: " + loop);
    }

    /** Round-robin, for work not tied to a client. */
    public EventLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }
}
