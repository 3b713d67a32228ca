// PgBouncer's auth_file: "user" "secret" lines, secrets plain, md5... or SCRAM-SHA-256$...
package dev.sluice.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * User names and their secrets, as read from a PgBouncer userlist.txt or given in memory. A
 * secret is kept exactly as written; the proxy decides from its prefix whether it is a plain
 * password, an md5 hash or a SCRAM verifier. Secrets never appear in toString() or exceptions.
 */
public final class Userlist {
    private static final Userlist EMPTY = new Userlist(Map.of(), null);

    private final Map<String, String> secrets;
    private final Path file;

    private Userlist(Map<String, String> secrets, Path file) {
        this.secrets = Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
        this.file = file;
    }

    /** A userlist with no users. */
    public static Userlist empty() {
        return EMPTY;
    }

    /** An in-memory userlist, e.g. for a config built from a backend URL. */
    public static Userlist of(Map<String, String> secrets) {
        return new Userlist(secrets, null);
    }

    /**
     * Reads a userlist file. Lines are {@code "user" "secret"}; {@code ""} inside quotes is a quote;
     * blank lines and lines starting with ';' or '#' are skipped; anything after the second field is
     * ignored, as in PgBouncer. A repeated user keeps the last secret.
     *
     * @throws ConfigException naming the file and line of a malformed line, or an unreadable file
     */
    public static Userlist load(Path file) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read auth file " + file + ": " + IniReader.describe(e), file, 0, null);
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            int[] pos = {0};
            String user = field(line, pos, file, i + 1, "user name");
            String secret = field(line, pos, file, i + 1, "secret");
            secrets.put(user, secret);
        }
        return new Userlist(secrets, file);
    }

    /** Reads one double-quoted field starting at or after pos[0] and moves pos[0] past it. */
    private static String field(String line, int[] pos, Path file, int lineNo, String what) throws ConfigException {
        int p = pos[0];
        while (p < line.length() && Character.isWhitespace(line.charAt(p))) {
            p++;
        }
        if (p >= line.length() || line.charAt(p) != '"') {
            // Never quote the line: it may hold a secret.
            throw ConfigException.at(file, lineNo, null,
                    "malformed userlist line: expected the " + what + " in double quotes (\"user\" \"secret\")");
        }
        StringBuilder value = new StringBuilder();
        p++;
        while (p < line.length()) {
            char c = line.charAt(p++);
            if (c == '"') {
                if (p < line.length() && line.charAt(p) == '"') {
                    value.append('"');
                    p++;
                    continue;
                }
                pos[0] = p;
                return value.toString();
            }
            value.append(c);
        }
        throw ConfigException.at(file, lineNo, null, "malformed userlist line: unterminated quote in the " + what);
    }

    /** The secret for {@code user}, or null if the user is not listed. */
    public String secret(String user) {
        return secrets.get(user);
    }

    /** True if the user is listed. */
    public boolean contains(String user) {
        return secrets.containsKey(user);
    }

    /** The listed user names, in file order. */
    public Set<String> users() {
        return secrets.keySet();
    }

    /** Number of users. */
    public int size() {
        return secrets.size();
    }

    /** The file this was loaded from, or null for an in-memory list. */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "Userlist[" + secrets.size() + " users" + (file == null ? ", in memory" : ", from " + file) + "]";
    }
}
