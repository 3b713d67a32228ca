// LoopBuffers lends each loop's read buffer again only once every reference to it is gone, and keeps small rests apart.
package dev.sluice.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LoopBuffersTest {
    /** Netty's thread factory makes FastThreadLocalThreads, as event loops are. */
    private static final ExecutorService LOOP = Executors.newSingleThreadExecutor(new DefaultThreadFactory("loop"));
    private final LoopBuffers alloc = new LoopBuffers(PooledByteBufAllocator.DEFAULT);

    @AfterAll
    static void stop() {
        LOOP.shutdownNow();
    }

    private static <T> T onLoop(Callable<T> work) throws Exception {
        return LOOP.submit(work).get();
    }

    private static Object inner(ByteBuf b) {
        return b.unwrap() != null ? b.unwrap() : b; // past the leak detector's wrapper
    }

    @Test
    void theReadBufferIsLentAgainOnlyAfterItsLastRelease() throws Exception {
        onLoop(() -> {
            ByteBuf first = alloc.ioBuffer(2048);
            assertThat(inner(first)).isInstanceOf(LoopBuffers.LoopBuffer.class);
            assertThat(first.capacity()).isEqualTo(LoopBuffers.READ_SIZE);
            first.writeBytes(new byte[] {1, 2, 3});
            ByteBuf slice = first.retainedSlice(0, 2);
            first.release();
            ByteBuf whileSliceLives = alloc.ioBuffer(2048);
            assertThat(inner(whileSliceLives)).isNotSameAs(inner(first)); // a slice still reads those bytes
            assertThat(slice.getByte(1)).isEqualTo((byte) 2);
            whileSliceLives.release();
            slice.release();
            ByteBuf again = alloc.ioBuffer(2048);
            assertThat(inner(again)).isSameAs(inner(first));
            assertThat(again.readableBytes()).isZero();
            assertThat(again.refCnt()).isEqualTo(1);
            again.release();
            return null;
        });
    }

    @Test
    void otherThreadsAndLargeRequestsUseThePool() throws Exception {
        ByteBuf offLoop = alloc.directBuffer(100);
        assertThat(inner(offLoop)).isNotInstanceOf(LoopBuffers.LoopBuffer.class);
        offLoop.release();
        onLoop(() -> {
            ByteBuf big = alloc.directBuffer(LoopBuffers.READ_SIZE + 1);
            assertThat(inner(big)).isNotInstanceOf(LoopBuffers.LoopBuffer.class);
            big.release();
            return null;
        });
    }

    @Test
    void keepMovesASmallRestOutAndFreesTheReadBuffer() throws Exception {
        onLoop(() -> {
            ByteBuf read = alloc.ioBuffer(2048);
            read.writeBytes(new byte[] {'Q', 0, 0, 0, 9, 's', 'e', 'l', 0, 'x'}).readerIndex(1);
            ByteBuf kept = alloc.keep(read);
            assertThat(kept).isNotSameAs(read);
            assertThat(read.refCnt()).isZero();
            assertThat(kept.readableBytes()).isEqualTo(9);
            assertThat(kept.getByte(kept.readerIndex())).isZero();
            ByteBuf next = alloc.ioBuffer(2048);
            assertThat(inner(next)).isSameAs(inner(read)); // the next read gets the loop's buffer back
            next.release();
            Object keptBuffer = inner(kept);
            kept.release();
            ByteBuf keptAgain = alloc.keep(alloc.ioBuffer(2048).writeByte(7));
            assertThat(inner(keptAgain)).isSameAs(keptBuffer); // kept buffers are reused from the loop's stack
            keptAgain.release();
            return null;
        });
    }

    @Test
    void keepLeavesBuffersItDoesNotOwnAlone() throws Exception {
        onLoop(() -> {
            ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(16).writeByte(1);
            assertThat(alloc.keep(pooled)).isSameAs(pooled);
            pooled.release();
            ByteBuf read = alloc.ioBuffer(2048).writeByte(1);
            ByteBuf slice = read.retainedSlice();
            assertThat(alloc.keep(read)).isSameAs(read); // shared: copying would not free it
            slice.release();
            ByteBuf large = alloc.ioBuffer(2048).writeBytes(new byte[LoopBuffers.KEEP_SIZE * 8 + 1]);
            assertThat(alloc.keep(large)).isSameAs(large); // part of a big message: no copy
            large.release();
            read.release();
            return null;
        });
    }

    @Test
    void aKeptBufferNeverGrowsTheCumulatorMovesOn() throws Exception {
        onLoop(() -> {
            ByteBuf kept = alloc.keep(alloc.ioBuffer(2048).writeBytes(new byte[100]));
            ByteBuf more = Unpooled.directBuffer(LoopBuffers.KEEP_SIZE).writeBytes(new byte[LoopBuffers.KEEP_SIZE]);
            ByteBuf merged = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(PooledByteBufAllocator.DEFAULT, kept, more);
            assertThat(inner(merged)).isNotSameAs(inner(kept));
            assertThat(merged.readableBytes()).isEqualTo(100 + LoopBuffers.KEEP_SIZE);
            assertThat(kept.refCnt()).isZero();
            merged.release();
            return null;
        });
    }

    @Test
    void aReadBufferThatGrewIsFreedAndReplaced() throws Exception {
        onLoop(() -> {
            ByteBuf read = alloc.ioBuffer(2048);
            read.writeBytes(new byte[LoopBuffers.READ_SIZE + 10]); // a caller wrote past it: it reallocates
            read.release();
            ByteBuf fresh = alloc.ioBuffer(2048); // falls back to the pool once, replacing the grown buffer
            ByteBuf next = alloc.ioBuffer(2048);
            assertThat(inner(next)).isNotSameAs(inner(read));
            assertThat(next.capacity()).isEqualTo(LoopBuffers.READ_SIZE);
            fresh.release();
            next.release();
            return null;
        });
    }
}
