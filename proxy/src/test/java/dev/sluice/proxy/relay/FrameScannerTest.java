// FrameScanner on its own: which bytes are relayed, in how many writes, who owns each buffer, and when it stops.
package dev.sluice.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameScannerTest {
    /** Records every write and every message the scanner showed it; actions per type are set by each test. */
    private static final class Recorder implements FrameScanner.Inspector, FrameScanner.Sink {
        final List<ByteBuf> writes = new ArrayList<>();
        final List<String> seen = new ArrayList<>();
        final Map<Character, Action> actions = new HashMap<>();
        boolean bodies;

        @Override
        public boolean needsBody(byte type) {
            return bodies;
        }

        @Override
        public Action onMessage(byte type, ByteBuf buf, int index, int length, boolean whole) {
            seen.add((char) type + (whole ? "" : "~") + length); // length: type byte included
            return actions.getOrDefault((char) type, Action.FORWARD);
        }

        @Override
        public FrameScanner.Sink sink() {
            return this;
        }

        @Override
        public void write(ByteBuf bytes) {
            writes.add(bytes);
        }

        /** Everything written so far, as text with each write in brackets; releases the writes. */
        String drained() {
            StringBuilder sb = new StringBuilder();
            for (ByteBuf b : writes) {
                sb.append('[').append(b.toString(StandardCharsets.ISO_8859_1)).append(']');
                b.release();
            }
            writes.clear();
            return sb.toString();
        }
    }

    private final Recorder r = new Recorder();
    private final FrameScanner scanner = new FrameScanner(r, 1 << 20);

    @AfterEach
    void releaseAll() {
        r.drained();
        scanner.release();
    }

    /** A message of {@code type} whose body is {@code body} (length counts itself). */
    private static ByteBuf msg(char type, String body) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(type).writeInt(body.length() + 4).writeCharSequence(body, StandardCharsets.ISO_8859_1);
        return b;
    }

    private static ByteBuf concat(ByteBuf... parts) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf p : parts) {
            all.writeBytes(p);
            p.release();
        }
        return all;
    }

    private static String text(char type, String body) {
        ByteBuf b = msg(type, body);
        String s = b.toString(StandardCharsets.ISO_8859_1);
        b.release();
        return s;
    }

    @Test
    void aReadOfWholeMessagesIsRelayedAsTheSameBufferInOneWrite() {
        ByteBuf in = concat(msg('Q', "select 1\0"), msg('S', ""));
        scanner.feed(in);
        assertThat(r.writes).hasSize(1);
        assertThat(r.writes.get(0)).isSameAs(in); // handed over, not sliced: the scanner keeps no reference
        assertThat(in.refCnt()).isEqualTo(1);
        assertThat(r.seen).containsExactly("Q14", "S5");
        assertThat(scanner.hasBuffered()).isFalse();
    }

    @Test
    void aPartialMessageWaitsAndTheCompleteRunIsSliced() {
        ByteBuf whole = msg('Q', "select 1\0");
        ByteBuf second = msg('Q', "select 2\0");
        ByteBuf in = concat(whole, second.readRetainedSlice(7));
        scanner.feed(in);
        assertThat(r.seen).containsExactly("Q14");
        assertThat(r.drained()).isEqualTo("[" + text('Q', "select 1\0") + "]");
        assertThat(scanner.buffered()).isEqualTo(7);
        scanner.feed(second); // the rest of the second message
        assertThat(r.drained()).isEqualTo("[" + text('Q', "select 2\0") + "]");
        assertThat(scanner.hasBuffered()).isFalse();
    }

    @Test
    void consumedMessagesSplitTheRunAroundThem() {
        r.actions.put('X', Action.CONSUME);
        scanner.feed(concat(msg('A', "a"), msg('X', "x"), msg('B', "b")));
        assertThat(r.drained()).isEqualTo("[" + text('A', "a") + "][" + text('B', "b") + "]");
    }

    @Test
    void pauseKeepsTheRestUntilResume() {
        r.actions.put('Z', Action.FORWARD_AND_PAUSE);
        scanner.feed(concat(msg('D', "row"), msg('Z', "I"), msg('N', "notice")));
        assertThat(r.drained()).isEqualTo("[" + text('D', "row") + text('Z', "I") + "]");
        assertThat(r.seen).containsExactly("D8", "Z6");
        assertThat(scanner.buffered()).isEqualTo(text('N', "notice").length());
        r.actions.clear();
        scanner.resume();
        assertThat(r.drained()).isEqualTo("[" + text('N', "notice") + "]");
    }

    @Test
    void aLargeMessageStreamsThroughInPiecesAsItArrives() {
        String body = "x".repeat(FrameScanner.STREAM_THRESHOLD * 3);
        ByteBuf big = msg('d', body);
        int total = big.readableBytes();
        scanner.feed(big.readRetainedSlice(1000));
        assertThat(r.seen).containsExactly("d~" + total); // shown once, by its header
        assertThat(r.writes).hasSize(1);
        assertThat(scanner.streaming()).isTrue();
        assertThat(scanner.buffered()).isZero(); // nothing of it is held back
        scanner.feed(big.readRetainedSlice(big.readableBytes() - 10));
        scanner.feed(concat(big.readRetainedSlice(10), msg('c', "")));
        big.release();
        assertThat(scanner.streaming()).isFalse();
        assertThat(r.seen).containsExactly("d~" + total, "c5");
        assertThat(r.drained()).isEqualTo("[" + text('d', body).substring(0, 1000) + "]"
                + "[" + text('d', body).substring(1000, total - 10) + "]"
                + "[" + text('d', body).substring(total - 10) + text('c', "") + "]");
    }

    @Test
    void aMessageWhoseBodyIsNeededIsNeverStreamed() {
        r.bodies = true;
        ByteBuf big = msg('P', "y".repeat(FrameScanner.STREAM_THRESHOLD * 2));
        scanner.feed(big.readRetainedSlice(100));
        assertThat(r.seen).isEmpty();
        assertThat(r.writes).isEmpty();
        scanner.feed(big);
        assertThat(r.seen).hasSize(1);
        assertThat(r.seen.get(0)).doesNotContain("~");
    }

    @Test
    void aLengthBelowFourOrAboveTheLimitIsRefused() {
        ByteBuf bad = Unpooled.buffer().writeByte('Q').writeInt(3);
        assertThatThrownBy(() -> scanner.feed(bad)).isInstanceOf(MessageTooLargeException.class)
                .hasMessageContaining("invalid message length 3");
        FrameScanner small = new FrameScanner(r, 100);
        ByteBuf huge = Unpooled.buffer().writeByte('Q').writeInt(101);
        assertThatThrownBy(() -> small.feed(huge)).isInstanceOf(MessageTooLargeException.class)
                .hasMessageContaining("too large: 101 bytes");
        small.release();
    }

    @Test
    void withNoPeerForwardedBytesAreReleased() {
        FrameScanner.Inspector nowhere = new FrameScanner.Inspector() {
            @Override
            public boolean needsBody(byte type) {
                return false;
            }

            @Override
            public Action onMessage(byte type, ByteBuf buf, int index, int length, boolean whole) {
                return Action.FORWARD;
            }

            @Override
            public FrameScanner.Sink sink() {
                return null;
            }
        };
        FrameScanner s = new FrameScanner(nowhere, 1 << 20);
        ByteBuf in = msg('Q', "select 1\0");
        s.feed(in);
        assertThat(in.refCnt()).isZero();
    }
}
