// Splits pg_hba.conf lines into fields and comma lists, keeping quotes so "all" can still name a user called all.
package dev.sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * pg_hba.conf token rules: fields separated by blanks, '#' starts a comment outside quotes, a field may be a
 * comma list (blanks around commas allowed), items may be double-quoted with {@code ""} for a quote. Items
 * keep their quotes here; {@link #unquote} removes them once keywords have been recognised.
 */
final class HbaTokens {
    private HbaTokens() {
    }

    /** The fields of one line (empty for blank and comment lines); list items rejoined with ','. */
    static List<String> split(String line, Path file, int lineNo) throws ConfigException {
        List<String> fields = new ArrayList<>();
        int p = 0;
        int n = line.length();
        while (true) {
            while (p < n && Character.isWhitespace(line.charAt(p))) {
                p++;
            }
            if (p >= n || line.charAt(p) == '#') {
                return fields;
            }
            StringBuilder field = new StringBuilder();
            while (true) {
                int start = p;
                if (line.charAt(p) == '"') {
                    p++;
                    while (true) {
                        if (p >= n) {
                            throw ConfigException.at(file, lineNo, null, "unterminated quote");
                        }
                        if (line.charAt(p) == '"') {
                            if (p + 1 < n && line.charAt(p + 1) == '"') {
                                p += 2;
                                continue;
                            }
                            p++;
                            break;
                        }
                        p++;
                    }
                } else {
                    while (p < n && !Character.isWhitespace(line.charAt(p)) && line.charAt(p) != ','
                            && line.charAt(p) != '#' && line.charAt(p) != '"') {
                        p++;
                    }
                }
                field.append(line, start, p);
                int q = p;
                while (q < n && Character.isWhitespace(line.charAt(q))) {
                    q++;
                }
                if (q < n && line.charAt(q) == ',') {
                    field.append(',');
                    p = q + 1;
                    while (p < n && Character.isWhitespace(line.charAt(p))) {
                        p++;
                    }
                    if (p >= n || line.charAt(p) == '#') {
                        throw ConfigException.at(file, lineNo, null, "list ends with a comma");
                    }
                    continue;
                }
                break;
            }
            if (field.length() == 0) {
                throw ConfigException.at(file, lineNo, null, "unexpected character '" + line.charAt(p) + "'");
            }
            fields.add(field.toString());
        }
    }

    /** The items of a comma list produced by {@link #split}, quotes kept. */
    static List<String> items(String field) {
        List<String> items = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '"') {
                quoted = !quoted; // a doubled quote flips twice: net unchanged
            } else if (c == ',' && !quoted) {
                items.add(field.substring(start, i));
                start = i + 1;
            }
        }
        items.add(field.substring(start));
        return items;
    }

    /** True for the bare (unquoted) keyword. */
    static boolean isKeyword(String item, String keyword) {
        return item.equals(keyword);
    }

    static String unquote(String item) {
        if (item.length() >= 2 && item.startsWith("\"") && item.endsWith("\"")) {
            return item.substring(1, item.length() - 1).replace("\"\"", "\"");
        }
        return item;
    }
}
