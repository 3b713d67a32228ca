// Reusable direct buffers per event loop: one for socket reads, a bounded stack for small bytes kept past a read.
package dev.sluice.proxy.relay;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayDeque;

/**
 * The channels' allocator. Netty asks it for a buffer before every socket read; from the pooled allocator that
 * costs a pooled-buffer object (Netty's Recycler and its queue), a thread-cache lookup and, at release, the same
 * in reverse: profiled at about a fifth of Sluice's own CPU per transaction. A relayed read almost always leaves
 * the process within the same read (handed to the peer's socket and released), so each event loop keeps one
 * read buffer that goes out to a read and comes back when its last reference is released. Bytes that must wait
 * past the read (the first message of a transaction, until a server is linked) are copied by {@link #keep} into
 * a small buffer from the loop's stack, and the read buffer is free again. Other requests, other threads and
 * anything larger use the pooled allocator.
 *
 * <p>Ownership stays plain reference counting: a holder of a buffer or of a slice of it keeps it out of reuse,
 * and the leak detector tracks every hand-out like any other allocation.
 */
public final class LoopBuffers extends AbstractByteBufAllocator {
    /** As large as Netty's largest read guess (64 KiB), so a loop's reads never need another buffer. */
    static final int READ_SIZE = 64 * 1024;
    /** Kept bytes up to this size use the loop's stack: a typical query or Bind/Execute/Sync batch. */
    static final int KEEP_SIZE = 1024;
    /** Stack bound per loop (1 MiB): enough for every waiting client of a busy loop, bounded for bursts. */
    static final int KEEP_STACK = 1024;

    public static final LoopBuffers INSTANCE = new LoopBuffers(PooledByteBufAllocator.DEFAULT);

    private final ByteBufAllocator pooled;
    private final FastThreadLocal<Loop> loops = new FastThreadLocal<>() {
        @Override
        protected Loop initialValue() {
            return new Loop(Thread.currentThread(), pooled);
        }
    };

    LoopBuffers(ByteBufAllocator pooled) {
        super(true);
        this.pooled = pooled;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity <= READ_SIZE && maxCapacity >= READ_SIZE && onLoop()) {
            Loop loop = loops.get();
            LoopBuffer b = loop.read;
            if (b.state == LoopBuffer.FREE) {
                return toLeakAwareBuffer(b.lend());
            }
            if (b.state == LoopBuffer.RETIRED) {
                loop.read = new LoopBuffer(pooled, READ_SIZE, null);
            }
        }
        return pooled.directBuffer(initialCapacity, maxCapacity);
    }

    /**
     * Returns a copy of {@code src}'s readable bytes that no read will reuse, releasing {@code src}; or
     * {@code src} itself when it is not a loop's read buffer or other references hold it (nothing to free).
     */
    public ByteBuf keep(ByteBuf src) {
        if (!(src instanceof LoopBuffer || src.unwrap() instanceof LoopBuffer) || src.refCnt() != 1) {
            return src;
        }
        int n = src.readableBytes();
        ByteBuf copy = null;
        if (n <= KEEP_SIZE && onLoop()) {
            Loop loop = loops.get();
            LoopBuffer b = loop.kept.pollFirst();
            copy = toLeakAwareBuffer((b != null ? b : new LoopBuffer(pooled, KEEP_SIZE, loop)).lend());
        } else if (n <= KEEP_SIZE * 8) {
            copy = pooled.directBuffer(n);
        }
        if (copy == null) {
            return src; // a large rest (part of a big message): keeping the read buffer beats copying it
        }
        copy.writeBytes(src);
        src.release();
        return copy;
    }

    /** Event loops are FastThreadLocalThreads, whose lookup is an array index; other threads use the pool. */
    private static boolean onLoop() {
        return Thread.currentThread() instanceof FastThreadLocalThread;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return pooled.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** One event loop's buffers; touched only on that loop's thread. */
    private static final class Loop {
        final Thread thread;
        LoopBuffer read;
        final ArrayDeque<LoopBuffer> kept = new ArrayDeque<>();

        Loop(Thread thread, ByteBufAllocator pooled) {
            this.thread = thread;
            this.read = new LoopBuffer(pooled, READ_SIZE, null);
        }
    }

    /** A direct buffer whose release returns it to its loop instead of freeing it. */
    static final class LoopBuffer extends UnpooledUnsafeDirectByteBuf {
        static final int FREE = 0;
        static final int LENT = 1;
        /** The read buffer grew while lent (a caller wrote more): freed at release, the loop makes a new one. */
        static final int RETIRED = 2;

        private final int size;
        /** For a kept buffer: the loop whose stack it returns to; null for the read buffer. */
        private final Loop home;
        /** The read buffer's state: written by whichever thread releases it, read by the loop that lends it. */
        volatile int state = FREE;

        LoopBuffer(ByteBufAllocator alloc, int size, Loop home) {
            // a kept buffer cannot grow: the cumulator moves bytes that no longer fit to a pooled buffer instead
            super(alloc, size, home == null ? Integer.MAX_VALUE : size);
            this.size = size;
            this.home = home;
        }

        LoopBuffer lend() {
            resetRefCnt();
            clear();
            state = LENT;
            return this;
        }

        @Override
        protected void deallocate() {
            if (capacity() != size) {
                super.deallocate();
                state = RETIRED;
            } else if (home == null) {
                state = FREE;
            } else if (Thread.currentThread() == home.thread && home.kept.size() < KEEP_STACK) {
                state = FREE;
                home.kept.addFirst(this);
            } else {
                super.deallocate(); // released elsewhere, or the stack is full: free it as an unpooled buffer
            }
        }
    }
}
