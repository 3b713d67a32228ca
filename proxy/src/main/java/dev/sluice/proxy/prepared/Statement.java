// One distinct prepared statement (query text and parameter types), shared by every client that prepares it.
package dev.sluice.proxy.prepared;

import dev.sluice.protocol.Parse;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Servers know it as {@link #serverName}, unique for the process, so identical statements from many clients
 * share one server-side statement and different ones never collide, whatever names clients chose.
 */
public final class Statement {
    private final String serverName;
    private final Parse parse;
    final AtomicInteger refs = new AtomicInteger();

    Statement(String serverName, String query, int[] paramTypes) {
        this.serverName = serverName;
        this.parse = new Parse(serverName, query, paramTypes);
    }

    public String serverName() {
        return serverName;
    }

    public String query() {
        return parse.query();
    }

    int[] paramTypes() {
        return parse.paramTypes();
    }

    /** Writes the Parse that prepares this statement on a server under {@link #serverName}. */
    void encodeParse(ByteBuf out) {
        parse.encode(out);
    }

    @Override
    public String toString() {
        return serverName;
    }
}
