// Makes a server its client left behind safe to reuse: finish COPY, Sync, cancel, ROLLBACK, reset query.
package dev.sluice.proxy.server;

import dev.sluice.config.PoolMode;
import dev.sluice.protocol.Sync;
import dev.sluice.protocol.Wire;
import io.netty.buffer.ByteBuf;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.ServerState;

/**
 * A server returns to the pool only clean: no request outstanding, status idle, no COPY, no unsynced
 * extended-protocol state, no cancel in flight. Anything Sluice cannot finish cleanly closes the server
 * instead (PostgreSQL then rolls back and releases locks itself).
 */
final class ServerCleanup {
    private ServerCleanup() {
    }

    /** The client is gone; runs on the server's loop. */
    static void start(ServerConnection s) {
        if (s.state() == ServerState.CLOSED) {
            return;
        }
        if (!s.busy()) {
            finish(s);
            return;
        }
        s.pool().cleaning(s);
        ServerRelay r = s.relay();
        if (r.copyIn) {
            // CopyFail: the server answers with an error and ReadyForQuery
            ByteBuf out = s.channel().alloc().buffer(40);
            int at = Wire.beginMessage(out, (byte) 'f');
            Wire.writeCString(out, "client disconnected during COPY");
            Wire.endMessage(out, at);
            send(s, out, (byte) 'f');
        } else if (r.outstanding > 0) {
            s.sendCancel(); // a running query would otherwise hold its locks until it finishes
        }
        if (r.unsynced) {
            ByteBuf out = s.channel().alloc().buffer(5);
            Sync.INSTANCE.encode(out); // ends the batch the client left without Sync
            if (s.prepared() != null) {
                s.prepared().syncSent();
            }
            send(s, out, (byte) 'S');
        }
        s.channel().flush();
        drained(s);
    }

    /** Sends as the client would have, so the server's request counting stays the one source of truth. */
    private static void send(ServerConnection s, ByteBuf message, byte type) {
        s.requestSent(type);
        s.channel().write(message, s.channel().voidPromise());
    }

    /** Called whenever a reply or cancel completes while cleaning; acts once everything is answered. */
    static void drained(ServerConnection s) {
        ServerRelay r = s.relay();
        if (s.state() == ServerState.CLOSED || r.outstanding > 0 || r.cancelsInFlight > 0 || r.swallowing()) {
            return;
        }
        if (s.txStatus() != 'I') {
            s.pool().cleaning(s);
            s.runInternal("ROLLBACK", error -> {
                if (error == null && s.txStatus() == 'I') {
                    finish(s);
                } else {
                    s.close(DisconnectReason.CLEANUP_FAILED);
                }
            });
            s.channel().flush();
            return;
        }
        finish(s);
    }

    /** Runs server_reset_query where the mode asks for it, then releases the server. */
    private static void finish(ServerConnection s) {
        var settings = s.pool().settings();
        boolean reset = settings.serverResetQuery() != null && !settings.serverResetQuery().isBlank()
                && (s.pool().mode() == PoolMode.SESSION || settings.serverResetQueryAlways());
        if (!reset) {
            s.pool().release(s);
            return;
        }
        s.pool().cleaning(s);
        s.runInternal(settings.serverResetQuery(), error -> {
            if (error == null && s.txStatus() == 'I') {
                s.params().resetUnreported(s.pool().welcome()); // what PostgreSQL does not report was reset too
                s.pool().release(s);
            } else {
                s.close(DisconnectReason.CLEANUP_FAILED);
            }
        });
        s.channel().flush();
    }
}
