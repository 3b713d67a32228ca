// Reads PgBouncer ini syntax into (section, key, value, file:line) entries, following %include.
package dev.sluice.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * The syntax layer of {@link IniLoader}: no knowledge of what keys mean. As PgBouncer's parser
 * (libusual cfparser.c) reads it: comments are whole lines starting with ';' or '#' (a ';' later in a
 * line is part of the value), a section header may be followed by a comment, a key is either made of
 * letters, digits and {@code _.-*} or single-quoted ({@code 'my db' = ...}), values run to the end of
 * the line and are only trimmed (no unquoting: connection strings do their own), and
 * {@code %include file} is textual, so a section opened in an included file stays open after it, at
 * most {@value #MAX_INCLUDE} levels deep. Unlike PgBouncer (which uses the working directory), include
 * paths are relative to the including file.
 */
final class IniReader {
    /** PgBouncer's nesting limit for %include. */
    static final int MAX_INCLUDE = 10;

    /** One {@code key = value} line; section names are lowercased, keys are kept as written. */
    record Entry(String section, String key, String value, Origin origin) {
    }

    private final List<Entry> entries = new ArrayList<>();
    // Files currently being read, outermost first; a file already on it would include itself forever.
    private final Deque<Path> stack = new ArrayDeque<>();
    private String section;

    private IniReader() {
    }

    /** Reads {@code file} and everything it includes, in order. */
    static List<Entry> read(Path file) throws ConfigException {
        IniReader reader = new IniReader();
        reader.readFile(file, null);
        return reader.entries;
    }

    private void readFile(Path file, Origin includedFrom) throws ConfigException {
        Path real;
        List<String> lines;
        try {
            real = file.toRealPath();
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String detail = "cannot read " + file + ": " + describe(e);
            if (includedFrom == null) {
                throw new ConfigException(detail, file, 0, null);
            }
            throw includedFrom.error(null, "%include " + detail);
        }
        if (stack.contains(real)) {
            throw includedFrom.error(null, "%include cycle: " + cycle(real));
        }
        if (stack.size() > MAX_INCLUDE) {
            throw includedFrom.error(null, "%include nested more than " + MAX_INCLUDE + " levels deep");
        }
        stack.addLast(real);
        for (int i = 0; i < lines.size(); i++) {
            readLine(file, i + 1, i == 0 ? stripBom(lines.get(i)) : lines.get(i));
        }
        stack.removeLast();
    }

    private void readLine(Path file, int lineNo, String raw) throws ConfigException {
        String line = raw.strip();
        Origin origin = new Origin(file, lineNo);
        if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
            return;
        }
        if (line.equals("%include") || line.startsWith("%include ") || line.startsWith("%include\t")) {
            String target = line.substring("%include".length()).strip();
            if (target.isEmpty()) {
                throw origin.error(null, "%include needs a file name");
            }
            Path dir = file.toAbsolutePath().getParent();
            readFile(dir == null ? Path.of(target) : dir.resolve(target), origin);
            return;
        }
        if (line.startsWith("[")) {
            int close = line.indexOf(']');
            if (close < 0) {
                throw origin.error(null, "malformed section header; expected [name]");
            }
            String rest = line.substring(close + 1).strip();
            if (!rest.isEmpty() && !rest.startsWith(";") && !rest.startsWith("#")) {
                throw origin.error(null, "unexpected text after section header [" + line.substring(1, close)
                        + "]; put it on its own line");
            }
            section = line.substring(1, close).strip().toLowerCase(Locale.ROOT);
            return;
        }
        int[] pos = {0};
        String key = key(line, pos, origin);
        int eq = pos[0];
        while (eq < line.length() && (line.charAt(eq) == ' ' || line.charAt(eq) == '\t')) {
            eq++;
        }
        if (eq >= line.length() || line.charAt(eq) != '=') {
            int anyEq = line.indexOf('=');
            if (anyEq > 0 && !key.isEmpty()) {
                String written = line.substring(0, anyEq).strip();
                throw origin.error(null, "key '" + written + "' may only contain letters, digits and _.-* unless it"
                        + " is single-quoted ('" + written + "' = ...)");
            }
            throw origin.error(null, "expected 'key = value'");
        }
        if (section == null) {
            throw origin.error(key, key + " is outside of any section; put it under [pgbouncer]");
        }
        entries.add(new Entry(section, key, line.substring(eq + 1).strip(), origin));
    }

    /** A single-quoted key (any characters but the quote) or a bare one of letters, digits and _.-*. */
    private static String key(String line, int[] pos, Origin origin) throws ConfigException {
        if (line.charAt(0) == '\'') {
            int end = line.indexOf('\'', 1);
            if (end < 0) {
                throw origin.error(null, "unterminated quote in key; expected 'name' = value");
            }
            if (end == 1) {
                throw origin.error(null, "empty quoted key; expected 'name' = value");
            }
            pos[0] = end + 1;
            return line.substring(1, end);
        }
        int p = 0;
        while (p < line.length() && isKeyChar(line.charAt(p))) {
            p++;
        }
        if (p == 0) {
            throw origin.error(null, "expected 'key = value'");
        }
        pos[0] = p;
        return line.substring(0, p);
    }

    private static boolean isKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "_.-*".indexOf(c) >= 0;
    }

    private String cycle(Path repeated) {
        StringBuilder path = new StringBuilder();
        for (Path p : stack) {
            path.append(p.getFileName()).append(" -> ");
        }
        return path.append(repeated.getFileName()).toString();
    }

    /** Editors on Windows add a byte-order mark that would otherwise become part of the first key. */
    private static String stripBom(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    /** A short reason for an I/O failure; NIO exceptions carry only the path as their message. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
