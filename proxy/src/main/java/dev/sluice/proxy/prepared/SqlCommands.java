// SQL-level DEALLOCATE and DISCARD ALL from a client, kept to that client's own prepared statements.
package dev.sluice.proxy.prepared;

import dev.sluice.proxy.relay.FrameScanner;
import dev.sluice.proxy.relay.FrameScanner.Action;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * psycopg 3 sends {@code DEALLOCATE _pg3_N}; poolers that forward it break (the server never had that name)
 * or, worse, drop another client's statement. Effects apply once PostgreSQL confirmed the command.
 */
final class SqlCommands {
    /** Only short single statements are looked at; anything else is relayed untouched. */
    private static final int MAX_LENGTH = 256;
    private static final Pattern COMMAND = Pattern.compile(
            "\\s*(?:(DISCARD\\s+ALL)|DEALLOCATE(?:\\s+PREPARE)?\\s+(?:(ALL)|\"((?:[^\"]|\"\")+)\"|([\\p{L}_][\\p{L}\\p{N}_$]*)))\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);

    /** What a confirmed command does to Sluice's records. */
    enum Effect { DISCARD_ALL, DEALLOCATE_ALL, DEALLOCATE }

    private SqlCommands() {
    }

    static Action query(PreparedRelay relay, ByteBuf buf, int index, int length, FrameScanner scanner) {
        if (length > MAX_LENGTH || !startsWithLetterD(buf, index + 5, length - 6)) {
            return relay.track(ReplyQueue.QUERY);
        }
        String sql = buf.toString(index + 5, length - 6, StandardCharsets.UTF_8);
        Matcher m = COMMAND.matcher(sql);
        if (!m.matches()) {
            return relay.track(ReplyQueue.QUERY);
        }
        if (m.group(1) != null) {
            relay.trackQuery(Effect.DISCARD_ALL);
            return Action.FORWARD;
        }
        if (m.group(2) != null) {
            relay.trackQuery(Effect.DEALLOCATE_ALL);
            return Action.FORWARD;
        }
        // an unquoted identifier is folded to lower case, as PostgreSQL does
        String name = m.group(3) != null ? m.group(3).replace("\"\"", "\"") : m.group(4).toLowerCase(Locale.ROOT);
        Statement s = relay.client().get(name);
        if (s == null) {
            return relay.track(ReplyQueue.QUERY); // PostgreSQL answers 26000 with the client's own name
        }
        scanner.flushBeforeCurrent();
        // the command tag the client expects is DEALLOCATE: drop this server's copy (others re-prepare on use)
        relay.sendQuery(relay.serverHas(s) ? "DEALLOCATE " + s.serverName() : "DEALLOCATE ALL", s, name);
        return Action.CONSUME;
    }

    /** PostgreSQL confirmed the query of a QUERY entry. */
    static void applied(PreparedRelay relay, Statement s, Object extra) {
        ClientStatements client = relay.client();
        if (extra == Effect.DISCARD_ALL || extra == Effect.DEALLOCATE_ALL) {
            relay.serverCleared();
            if (client != null) {
                client.clear();
            }
        } else if (extra instanceof String name && s != null) {
            if (relay.serverHas(s)) {
                relay.serverDropped(s);
            } else {
                relay.serverCleared(); // it was DEALLOCATE ALL
            }
            if (client != null) {
                client.removeIf(name, s);
            }
        }
    }

    private static boolean startsWithLetterD(ByteBuf buf, int from, int len) {
        for (int i = from; i < from + len; i++) {
            byte b = buf.getByte(i);
            if (b == 'D' || b == 'd') {
                return true;
            }
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return false;
    }
}
