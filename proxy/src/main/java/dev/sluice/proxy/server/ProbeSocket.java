// A blocking connection with a timeout on every read and write, over TCP or a unix socket: for PgProbe and Readiness.
package dev.sluice.proxy.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * TCP goes through {@link Socket} (SO_TIMEOUT bounds reads). A host beginning with '/' is a socket directory as in
 * libpq: the JDK's unix {@link SocketChannel} has no SO_TIMEOUT, so it runs non-blocking and each read or write
 * waits on a selector for at most the timeout.
 */
public final class ProbeSocket implements Closeable {
    private final Closeable resource;
    private final InputStream in;
    private final OutputStream out;

    private ProbeSocket(Closeable resource, InputStream in, OutputStream out) {
        this.resource = resource;
        this.in = in;
        this.out = out;
    }

    /** Connects to {@code host:port}, or to {@code <host>/.s.PGSQL.<port>} when host is a directory. */
    public static ProbeSocket open(String host, int port, int timeoutMillis) throws IOException {
        if (Backend.isUnixHost(host)) {
            return unix(Backend.socketPath(host, port), timeoutMillis);
        }
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            s.setTcpNoDelay(true);
            return new ProbeSocket(s, s.getInputStream(), s.getOutputStream());
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static ProbeSocket unix(String path, int timeoutMillis) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = null;
        try {
            ch.connect(UnixDomainSocketAddress.of(path)); // local: succeeds or fails at once
            ch.configureBlocking(false);
            selector = Selector.open();
            SelectionKey key = ch.register(selector, 0);
            Selector sel = selector;
            Closeable both = () -> {
                try (sel) {
                    ch.close();
                }
            };
            return new ProbeSocket(both, new UnixIn(ch, key, timeoutMillis), new UnixOut(ch, key, timeoutMillis));
        } catch (IOException | RuntimeException e) {
            if (selector != null) {
                selector.close();
            }
            ch.close();
            throw e;
        }
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    @Override
    public void close() throws IOException {
        resource.close();
    }

    /** Waits until the channel is ready for {@code op}, at most {@code timeoutMillis} (0 = forever). */
    private static void await(SelectionKey key, int op, int timeoutMillis) throws IOException {
        key.interestOps(op);
        key.selector().selectedKeys().clear();
        if (key.selector().select(timeoutMillis) == 0) {
            throw new SocketTimeoutException("no answer within " + timeoutMillis + " ms");
        }
    }

    private static final class UnixIn extends InputStream {
        private final SocketChannel ch;
        private final SelectionKey key;
        private final int timeoutMillis;

        UnixIn(SocketChannel ch, SelectionKey key, int timeoutMillis) {
            this.ch = ch;
            this.key = key;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            int n;
            while ((n = ch.read(bb)) == 0) {
                await(key, SelectionKey.OP_READ, timeoutMillis);
            }
            return n;
        }
    }

    private static final class UnixOut extends OutputStream {
        private final SocketChannel ch;
        private final SelectionKey key;
        private final int timeoutMillis;

        UnixOut(SocketChannel ch, SelectionKey key, int timeoutMillis) {
            this.ch = ch;
            this.key = key;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            while (bb.hasRemaining()) {
                if (ch.write(bb) == 0) {
                    await(key, SelectionKey.OP_WRITE, timeoutMillis);
                }
            }
        }
    }
}
