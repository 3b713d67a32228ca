// Raw-socket abuse of Sluice's listener: dribbled, SSL-prefixed, garbage, oversized, truncated and silent clients.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthType;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireRobustnessIT {

    private static SluiceFixture start(int poolSize) throws InterruptedException {
        return SluiceFixture.start(PoolMode.SESSION, poolSize);
    }

    private static void assertServes(SluiceFixture sluice) throws Exception {
        try (PgWireClient c = sluice.wire()) {
            assertThat(c.simpleQuery("select 'alive'")).containsExactly(List.of("alive"));
        }
    }

    /** Everything the peer sends until it closes; null if it is still open after {@code timeout}. */
    private static byte[] readToEof(PgWireClient c, Duration timeout) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[4096];
        try {
            InputStream in = c.socket().getInputStream();
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                c.socket().setSoTimeout((int) left);
                int n = in.read(buf);
                if (n < 0) {
                    return got.toByteArray();
                }
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            return got.toByteArray(); // reset by peer: closed
        }
    }

    /** The peer closed, and whatever it sent first is an ErrorResponse with one of {@code codes}. */
    private static void assertClosedWithError(PgWireClient c, boolean errorRequired, String... codes) {
        byte[] got = readToEof(c, Duration.ofSeconds(5));
        assertThat(got).as("connection closed by Sluice").isNotNull();
        if (got.length == 0) {
            assertThat(errorRequired).as("an ErrorResponse before the close").isFalse();
            return;
        }
        assertThat((char) got[0]).as("first reply byte").isEqualTo('E');
        int len = ByteBuffer.wrap(got, 1, 4).getInt();
        Message err = new Message('E', Arrays.copyOfRange(got, 5, 1 + len));
        assertThat(err.field('S')).isEqualTo("FATAL");
        assertThat(err.errorCode()).as(err.toString()).isIn((Object[]) codes);
    }

    private static byte[] startupBytes(String user, String db) {
        ByteArrayOutputStream kv = new ByteArrayOutputStream();
        for (String s : new String[] {"user", user, "database", db, "application_name", "dribble", ""}) {
            kv.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            kv.write(0);
        }
        byte[] body = kv.toByteArray();
        return ByteBuffer.allocate(8 + body.length).putInt(8 + body.length).putInt(PgWireClient.PROTOCOL_3_0)
                .put(body).array();
    }

    private static byte[] typed(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    private static void dribble(PgWireClient c, byte[] bytes) throws InterruptedException {
        for (byte b : bytes) {
            c.sendRaw(new byte[] {b});
            Thread.sleep(2);
        }
    }

    @Test
    void startupAndPasswordSentOneByteAtATime() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.AUTH_TYPE, AuthType.PLAIN));
             PgWireClient c = PgWireClient.connect("127.0.0.1", sluice.port())) {
            dribble(c, startupBytes(PgCluster.SCRAM_USER, PgCluster.TEST_DB));
            Message ask = c.readMessage();
            assertThat(ask.type()).as(ask.toString()).isEqualTo('R');
            assertThat(ask.authCode()).isEqualTo(3);
            byte[] pw = (PgCluster.SCRAM_PASSWORD + "\0").getBytes(StandardCharsets.UTF_8);
            dribble(c, typed('p', pw));
            Message ok = c.readMessage();
            assertThat(ok.type()).as(ok.toString()).isEqualTo('R');
            assertThat(ok.authCode()).isZero();
            List<Message> welcome = c.readUntilReady();
            assertThat(welcome).extracting(Message::type).contains('S', 'K', 'Z');
            // and a dribbled query
            dribble(c, typed('Q', "select 6 * 7\0".getBytes(StandardCharsets.UTF_8)));
            List<Message> reply = c.readUntilReady();
            assertThat(reply.stream().filter(m -> m.type() == 'D').map(Message::dataRowText))
                    .containsExactly(List.of("42"));
        }
    }

    @Test
    void sslRequestIsAnsweredNThenPlainLoginWorks() throws Exception {
        try (SluiceFixture sluice = start(2); PgWireClient c = PgWireClient.connect("127.0.0.1", sluice.port())) {
            c.sendSslRequest();
            assertThat(c.readByte()).isEqualTo('N');
            c.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, PgCluster.TEST_DB);
            assertThat(c.simpleQuery("select current_user")).containsExactly(List.of(PgCluster.SCRAM_USER));
        }
    }

    @Test
    void garbageStartupClosesOnlyThatConnection() throws Exception {
        byte[][] garbage = {
            ByteBuffer.allocate(4).putInt(3).array(),                                   // length below minimum
            ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(PgWireClient.PROTOCOL_3_0).array(),
            "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII), // not Postgres at all
            ByteBuffer.allocate(8).putInt(8).putInt(0x0BADC0DE).array(),                // unknown request code
            ByteBuffer.allocate(12).putInt(12).putInt(PgWireClient.PROTOCOL_3_0).putInt(0x41424344).array(),
        };
        try (SluiceFixture sluice = start(2); PgWireClient bystander = sluice.wire()) {
            for (byte[] g : garbage) {
                try (PgWireClient bad = PgWireClient.connect("127.0.0.1", sluice.port())) {
                    bad.sendRaw(g);
                    assertClosedWithError(bad, false, "08P01");
                }
                assertThat(bystander.simpleQuery("select 1")).containsExactly(List.of("1"));
            }
            assertServes(sluice);
        }
    }

    @Test
    void oversizedMessageAfterLoginIsRefused() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 2).set(Settings.MAX_PACKET_SIZE, 1024 * 1024));
             PgWireClient bystander = sluice.wire()) {
            try (PgWireClient c = sluice.wire()) {
                // header only: Sluice must judge the length before any body arrives
                c.sendRaw(ByteBuffer.allocate(5).put((byte) 'Q').putInt(2 * 1024 * 1024).array());
                assertClosedWithError(c, true, "54000", "08P01");
            }
            try (PgWireClient c = sluice.wire()) {
                c.sendRaw(ByteBuffer.allocate(5).put((byte) 'Q').putInt(2).array()); // length below 4
                assertClosedWithError(c, true, "08P01");
            }
            assertThat(bystander.simpleQuery("select 2")).containsExactly(List.of("2"));
            assertServes(sluice);
            // a message just under the limit still passes
            try (PgWireClient c = sluice.wire()) {
                String big = "x".repeat(900 * 1024);
                assertThat(c.simpleQuery("select length('" + big + "')")).containsExactly(List.of("921600"));
            }
        }
    }

    /** pool_size 1: the one server must come back usable after each half-sent message. */
    @Test
    void truncatedMessageThenCloseLeavesPoolUsable() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 1).set(Settings.QUERY_WAIT_TIMEOUT, Duration.ofSeconds(5)))) {
            assertServes(sluice);
            // a small message cut short: Sluice buffers it and never forwards half of it
            try (PgWireClient c = sluice.wire()) {
                c.sendRaw(Arrays.copyOf(typed('Q', "select 1 -- and more to come\0".getBytes(StandardCharsets.UTF_8)), 12));
                c.abort();
            }
            try (PgWireClient c = sluice.wire()) {
                assertThat(c.simpleQuery("select 'after small'")).containsExactly(List.of("after small"));
            }
            // a large message cut short: its first part has already streamed to the server
            byte[] sql = ("select length('" + "y".repeat(100_000) + "')\0").getBytes(StandardCharsets.UTF_8);
            try (PgWireClient c = sluice.wire()) {
                c.sendRaw(Arrays.copyOf(typed('Q', sql), 40_000));
                Thread.sleep(100);
                c.abort();
            }
            try (PgWireClient c = sluice.wire()) {
                assertThat(c.simpleQuery("select 'after large'")).containsExactly(List.of("after large"));
            }
        }
    }

    @Test
    void silentClientIsClosedAfterClientLoginTimeout() throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.CLIENT_LOGIN_TIMEOUT, Duration.ofSeconds(1)));
             PgWireClient silent = PgWireClient.connect("127.0.0.1", sluice.port());
             PgWireClient stalled = PgWireClient.connect("127.0.0.1", sluice.port())) {
            long t0 = System.nanoTime();
            // the second one sends its startup but never answers the password request
            stalled.sendStartup(java.util.Map.of("user", PgCluster.SCRAM_USER, "database", PgCluster.TEST_DB));
            assertThat(silent.isClosedByPeer(Duration.ofSeconds(5))).as("silent client closed").isTrue();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("closed after the 1 s timeout, not before").isBetween(900L, 4000L);
            assertThat(stalled.isClosedByPeer(Duration.ofSeconds(3))).as("stalled client closed").isTrue();
            assertServes(sluice);
        }
    }
}
