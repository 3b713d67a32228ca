// A loopback TCP proxy for tests, placed between Sluice and PostgreSQL, that can delay, drop and black-hole traffic.
package dev.sluice.proxy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plain blocking sockets, two daemon threads per connection, at most {@link #MAX_CONNECTIONS} connections.
 * Faults apply to what flows from then on:
 * <ul>
 *   <li>{@link #blackHole(boolean)}: bytes are read and thrown away in both directions and new connections are
 *       accepted but never reach PostgreSQL: a peer that vanished without a FIN or RST. (The kernel still
 *       acknowledges, so only application-level checks notice; TCP keepalive and TCP_USER_TIMEOUT need a network
 *       that drops packets.)</li>
 *   <li>{@link #blackHoleExisting()}, {@link #blackHoleNew(boolean)}: the same for the connections open now,
 *       or for those opened from now on, only.</li>
 *   <li>{@link #hideCloses(boolean)}: when PostgreSQL closes a connection, Sluice is not told until it next sends
 *       something, which is then answered with a reset (a dead backend behind a NAT or a failed-over address).</li>
 *   <li>{@link #stallToPostgres(boolean)}: what Sluice sends is no longer read (a peer whose window stays 0).</li>
 *   <li>{@link #delay(Duration)}: every chunk is held this long before it is forwarded.</li>
 *   <li>{@link #dropAll()}: resets every open connection now.</li>
 * </ul>
 */
public final class TcpFaultProxy implements AutoCloseable {
    public static final int MAX_CONNECTIONS = 64;

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean blackHole;
    private volatile boolean blackHoleNew;
    private volatile boolean hideCloses;
    private volatile boolean stallToPostgres;
    private volatile long delayMillis;
    private volatile boolean closed;

    private TcpFaultProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** Listens on a free loopback port and forwards to {@code host:port}. */
    public static TcpFaultProxy start(String host, int port) throws IOException {
        return new TcpFaultProxy(host, port);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public void blackHole(boolean on) {
        blackHole = on;
    }

    /** Black-holes connections opened from now on; those open now still pass. */
    public void blackHoleNew(boolean on) {
        blackHoleNew = on;
    }

    /** Black-holes the connections open now; new ones still pass. */
    public void blackHoleExisting() {
        for (Link l : links) {
            l.hole = true;
        }
    }

    /**
     * Stops reading what Sluice sends to PostgreSQL (the connections stay open): once the receive buffer is full
     * Sluice's side sees a zero window, which TCP_USER_TIMEOUT turns into an error (Linux 5.11 and later).
     */
    public void stallToPostgres(boolean on) {
        stallToPostgres = on;
    }

    public void hideCloses(boolean on) {
        hideCloses = on;
    }

    public void delay(Duration d) {
        delayMillis = d.toMillis();
    }

    /** Connections open now. */
    public int connections() {
        return links.size();
    }

    /** Resets (RST) every open connection on both sides. */
    public void dropAll() {
        for (Link l : links) {
            l.close(true);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        dropAll();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket down;
            try {
                down = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (links.size() >= MAX_CONNECTIONS) {
                closeQuietly(down, true);
                continue;
            }
            Link link = new Link(down);
            links.add(link);
            link.start();
        }
    }

    /** One proxied connection: Sluice's socket (down) and PostgreSQL's (up). */
    private final class Link {
        private final Socket down;
        private volatile Socket up;
        private volatile boolean upGone;
        private volatile boolean hole;

        Link(Socket down) {
            this.down = down;
        }

        void start() {
            Thread t = new Thread(this::run, "fault-proxy-link-" + down.getPort());
            t.setDaemon(true);
            t.start();
        }

        private void run() {
            try {
                if (blackHole || blackHoleNew) {
                    swallow(down.getInputStream()); // accepted, never reaches PostgreSQL
                    return;
                }
                Socket u = new Socket();
                u.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
                u.setTcpNoDelay(true);
                down.setTcpNoDelay(true);
                up = u;
                Thread back = new Thread(() -> pump(u, down, true), "fault-proxy-up-" + down.getPort());
                back.setDaemon(true);
                back.start();
                pump(down, u, false);
            } catch (IOException e) {
                // refused or reset: Sluice sees its connection closed
            } finally {
                if (!upGone || !hideCloses) {
                    close(false);
                }
            }
        }

        /** Copies from one side to the other until EOF, applying the current faults to each chunk. */
        private void pump(Socket from, Socket to, boolean fromPostgres) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    while (!fromPostgres && stallToPostgres && !closed) {
                        Thread.sleep(10); // nothing read: the kernel's window to Sluice closes
                    }
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    if (!fromPostgres && upGone) {
                        break; // the hidden close: Sluice's next bytes meet a reset
                    }
                    if (blackHole || hole) {
                        continue;
                    }
                    long d = delayMillis;
                    if (d > 0) {
                        Thread.sleep(d);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
                if (fromPostgres) {
                    upGone = true;
                    if (hideCloses) {
                        return; // keep Sluice's side open until it writes
                    }
                }
            } catch (IOException | InterruptedException e) {
                // one side went away
            }
            close(!fromPostgres && upGone);
        }

        private void swallow(InputStream in) throws IOException {
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // thrown away
            }
        }

        void close(boolean reset) {
            links.remove(this);
            closeQuietly(down, reset);
            Socket u = up;
            if (u != null) {
                closeQuietly(u, reset);
            }
        }
    }

    private static void closeQuietly(Socket s, boolean reset) {
        try {
            if (reset) {
                s.setSoLinger(true, 0);
            }
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
