// The server -> client half of prepared statements: walks a server's replies against what it owes.
package dev.sluice.proxy.prepared;

import static dev.sluice.proxy.prepared.ReplyQueue.BIND;
import static dev.sluice.proxy.prepared.ReplyQueue.CLIENT_PARSE;
import static dev.sluice.proxy.prepared.ReplyQueue.CLOSE;
import static dev.sluice.proxy.prepared.ReplyQueue.DESCRIBE;
import static dev.sluice.proxy.prepared.ReplyQueue.EXECUTE;
import static dev.sluice.proxy.prepared.ReplyQueue.INJECTED_CLOSE;
import static dev.sluice.proxy.prepared.ReplyQueue.INJECTED_PARSE;
import static dev.sluice.proxy.prepared.ReplyQueue.PARSE;
import static dev.sluice.proxy.prepared.ReplyQueue.QUERY;
import static dev.sluice.proxy.prepared.ReplyQueue.SYNC;
import static dev.sluice.proxy.prepared.ReplyQueue.SYNTH_CLOSE;
import static dev.sluice.proxy.prepared.ReplyQueue.SYNTH_PARSE;

import dev.sluice.protocol.ErrorResponse;
import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

/**
 * One per {@link PreparedRelay}, on the server's event loop. Each reply ends the {@link ReplyQueue}'s head
 * entry: replies to Sluice's own messages are hidden, Sluice's own replies (ParseComplete, CloseComplete) are
 * emitted at their place, and after an error the entries PostgreSQL skipped (up to Sync) are undone.
 */
final class ServerReplies {
    private static final byte[] PARSE_COMPLETE = {'1', 0, 0, 0, 4};
    private static final byte[] CLOSE_COMPLETE = {'3', 0, 0, 0, 4};

    private final PreparedRelay relay;
    private final ReplyQueue queue;
    private final ServerStatements statements;
    private final StatementRegistry registry;
    private final StalePlanRetry retry;
    private Channel toClient;
    private boolean queryFailed;

    ServerReplies(PreparedRelay relay, ReplyQueue queue, ServerStatements statements, StatementRegistry registry,
                  StalePlanRetry retry) {
        this.relay = relay;
        this.queue = queue;
        this.statements = statements;
        this.registry = registry;
        this.retry = retry;
    }

    /** Replies Sluice makes itself go to {@code c}; null while no client is linked. */
    void toClient(Channel c) {
        toClient = c;
    }

    /** A reply Sluice gives itself: now when nothing is owed before it, else in turn. */
    void synthetic(byte kind, Statement s, String name) {
        if (queue.isEmpty()) {
            emit(kind);
            if (kind == SYNTH_CLOSE && s != null) {
                registry.release(s); // no undo possible any more
            }
        } else {
            queue.add(kind, s, name);
        }
    }

    private void emit(byte kind) {
        Channel c = toClient;
        if (c != null) {
            // flushed now: nothing else may follow before the client waits for it (Close + Flush)
            c.writeAndFlush(Unpooled.wrappedBuffer(kind == SYNTH_PARSE ? PARSE_COMPLETE : CLOSE_COMPLETE),
                    c.voidPromise());
        }
    }

    Action fromServer(byte type, ByteBuf buf, int index, int length, FrameScanner scanner) {
        byte k = queue.kind();
        if (k == 0) {
            return Action.FORWARD; // nothing owed: an asynchronous message (notice, notification, parameter)
        }
        switch (type) {
            case 'E' -> {
                return error(ErrorResponse.decode(buf.slice(index + 5, length - 5)));
            }
            case 'Z' -> {
                if (k == SYNC || k == QUERY) {
                    if (k == QUERY && !queryFailed) {
                        SqlCommands.applied(relay, queue.statement(), queue.extra());
                    }
                    queryFailed = false;
                    if (k == SYNC && retry.due()) {
                        queue.pop();
                        return Action.CONSUME; // the server connection replays the batch now
                    }
                    ErrorResponse late = retry.takeHidden();
                    if (late != null) {
                        scanner.flushBeforeCurrent();
                        emit(late);
                    }
                    retry.finished();
                    return done(false, scanner);
                }
            }
            case '1' -> {
                if (k == INJECTED_PARSE) {
                    return done(true, scanner);
                }
                if (k == PARSE || k == CLIENT_PARSE) {
                    return done(false, scanner);
                }
            }
            case '2' -> {
                if (k == BIND) {
                    return done(false, scanner);
                }
            }
            case '3' -> {
                if (k == INJECTED_CLOSE) {
                    return done(true, scanner);
                }
                if (k == CLOSE) {
                    return done(false, scanner);
                }
            }
            case 'T', 'n' -> {
                if (k == DESCRIBE) {
                    return done(false, scanner);
                }
            }
            case 'C', 'I', 's' -> {
                if (k == EXECUTE) {
                    return done(false, scanner);
                }
            }
            default -> { }
        }
        return Action.FORWARD;
    }

    /** The head entry got its last reply: pop it, then emit Sluice's own replies that are now due. */
    private Action done(boolean hide, FrameScanner scanner) {
        queue.pop();
        byte next = queue.kind();
        if (next != SYNTH_PARSE && next != SYNTH_CLOSE) {
            return hide ? Action.CONSUME : Action.FORWARD;
        }
        if (hide) {
            scanner.flushBeforeCurrent();
        } else {
            scanner.flushThroughCurrent();
        }
        while (queue.kind() == SYNTH_PARSE || queue.kind() == SYNTH_CLOSE) {
            emit(queue.kind());
            if (queue.kind() == SYNTH_CLOSE && queue.statement() != null) {
                registry.release(queue.statement());
            }
            queue.pop();
        }
        return hide ? Action.CONSUME : Action.FORWARD;
    }

    private Action error(ErrorResponse e) {
        byte k = queue.kind();
        boolean hide = false;
        ClientStatements client = relay.client();
        if ((k == BIND || k == EXECUTE) && queue.statement() != null && client != null
                && StalePlanRetry.isStalePlan(e)) {
            // this client's next use prepares afresh under a new server name; the stale copy stays and
            // fails for the other clients that use it, who then re-prepare too
            String name = (String) queue.extra();
            Statement stale = queue.statement();
            if (name != null && client.get(name) == stale) {
                client.put(name, registry.renew(stale));
                hide = k == BIND && retry.hide(stale, e);
            }
        }
        if (!hide) {
            retry.discard();
        }
        if (k == QUERY) {
            queryFailed = true; // ReadyForQuery follows
            return Action.FORWARD;
        }
        if (k == SYNC) {
            return Action.FORWARD;
        }
        // the failing message and everything up to Sync are skipped by PostgreSQL: undo what Sluice assumed
        while (!queue.isEmpty() && queue.kind() != SYNC) {
            undo(client);
            queue.pop();
        }
        relay.skipping(queue.isEmpty()); // the Sync is still to come from the client
        return hide ? Action.CONSUME : Action.FORWARD;
    }

    private void emit(ErrorResponse e) {
        Channel c = toClient;
        if (c != null) {
            ByteBuf out = c.alloc().buffer(128);
            e.encode(out);
            c.write(out, c.voidPromise());
        }
    }

    private void undo(ClientStatements client) {
        Statement s = queue.statement();
        String name = (String) queue.extra();
        switch (queue.kind()) {
            case CLIENT_PARSE -> {
                statements.remove(s);
                if (client != null) {
                    client.removeIf(name, s);
                }
            }
            case INJECTED_PARSE -> statements.remove(s);
            case INJECTED_CLOSE -> statements.restore(s);
            case SYNTH_PARSE -> {
                if (client != null) {
                    client.removeIf(name, s);
                }
            }
            case SYNTH_CLOSE -> {
                if (s != null && client != null) {
                    client.put(name, s); // takes back the reference the entry held
                } else if (s != null) {
                    registry.release(s);
                }
            }
            default -> { }
        }
    }
}
