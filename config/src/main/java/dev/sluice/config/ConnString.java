// Splits libpq-style "key=value key2='quoted value'" strings, as used in [databases] and [users].
package dev.sluice.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * libpq keyword/value syntax: pairs separated by whitespace, optional spaces around '=', values
 * either bare words or single-quoted with {@code \'} and {@code \\} escapes. Keys are lowercased;
 * a repeated key keeps the last value, as libpq does. Error messages name keys but never values,
 * because a malformed line often involves a password.
 */
final class ConnString {
    private final String text;
    private int pos;

    private ConnString(String text) {
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException describing the syntax error without quoting values
     */
    static Map<String, String> parse(String text) {
        return new ConnString(text == null ? "" : text).pairs();
    }

    private Map<String, String> pairs() {
        Map<String, String> result = new LinkedHashMap<>();
        String previous = null;
        while (skipSpaces()) {
            int start = pos;
            while (pos < text.length() && text.charAt(pos) != '=' && !Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            String key = text.substring(start, pos).toLowerCase(Locale.ROOT);
            if (!skipSpaces() || text.charAt(pos) != '=' || key.isEmpty()) {
                // Deliberately vague about the word itself: it may be half of an unquoted password.
                throw new IllegalArgumentException(previous == null
                        ? "expected key=value pairs"
                        : "expected key=value pairs; found a word without '=' after '" + previous
                                + "' (quote values containing spaces: key='a b')");
            }
            pos++;
            skipSpaces();
            result.put(key, value(key));
            previous = key;
        }
        return result;
    }

    private String value(String key) {
        if (pos >= text.length() || text.charAt(pos) != '\'') {
            int start = pos;
            while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            return text.substring(start, pos);
        }
        StringBuilder value = new StringBuilder();
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '\'') {
                return value.toString();
            }
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            value.append(c);
        }
        throw new IllegalArgumentException("unterminated quote in the value of '" + key + "'");
    }

    /** Skips whitespace; false at the end of the text. */
    private boolean skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
        return pos < text.length();
    }
}
