// Turns a client's startup parameters into the session settings Sluice applies on every server it uses.
package dev.sluice.proxy.client;

import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything in the startup packet except user, database and protocol options is a setting (PostgreSQL
 * treats them as SET at login); {@code options} may carry more as {@code -c name=value} or {@code --name=value}.
 */
final class StartupOptions {
    private StartupOptions() {
    }

    static Map<String, String> settings(Map<String, String> startup, List<String> ignored) {
        Map<String, String> out = new LinkedHashMap<>();
        // PostgreSQL applies "options" first and explicit startup parameters over it
        String options = startup.get("options");
        if (options != null) {
            parseOptions(options, out);
        }
        for (Map.Entry<String, String> e : startup.entrySet()) {
            String k = e.getKey();
            if (k.equals("user") || k.equals("database") || k.startsWith("_pq_.") || ignored.contains(k)) {
                continue;
            }
            if (k.equals("replication")) {
                throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED,
                        "replication connections are not supported by Sluice; connect to PostgreSQL directly");
            }
            if (!k.equals("options")) {
                out.put(k, e.getValue());
            }
        }
        return out;
    }

    /** libpq's rules: words split on unescaped spaces, backslash escapes the next character. */
    static void parseOptions(String options, Map<String, String> out) {
        List<String> words = new java.util.ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean escape = false;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (escape) {
                w.append(c);
                escape = false;
            } else if (c == '\\') {
                escape = true;
            } else if (Character.isWhitespace(c)) {
                if (w.length() > 0) {
                    words.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(c);
            }
        }
        if (w.length() > 0) {
            words.add(w.toString());
        }
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String setting;
            if (word.equals("-c") && i + 1 < words.size()) {
                setting = words.get(++i);
            } else if (word.startsWith("-c") && word.length() > 2) {
                setting = word.substring(2);
            } else if (word.startsWith("--")) {
                setting = word.substring(2);
            } else {
                throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED, "unsupported startup option \"" + word
                        + "\" in options; Sluice accepts -c name=value and --name=value");
            }
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new ProtocolException(SqlState.INVALID_PARAMETER_VALUE,
                        "invalid startup option \"" + setting + "\": expected name=value");
            }
            out.put(setting.substring(0, eq).replace('-', '_'), setting.substring(eq + 1));
        }
    }
}
