// auth_hba_file: the pg_hba.conf subset PgBouncer reads, deciding per client which auth method applies.
package dev.sluice.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Lines {@code TYPE DATABASE USER [ADDRESS] METHOD}, first match wins, no match rejects, as in PostgreSQL
 * and PgBouncer's hba.c. TYPE is local, host, hostssl or hostnossl; DATABASE and USER are comma lists of
 * names (double-quoted to include spaces or keywords), {@code all}, {@code sameuser} (database only) or
 * {@code @file} (names read from a file next to this one); ADDRESS is CIDR, address and mask, or
 * {@code all}; METHOD is trust, reject, md5, password, scram-sha-256, peer or cert. Sluice listens on TCP
 * only, so local lines never match (and peer rejects); hostssl lines match TLS clients, hostnossl the others,
 * and cert needs TLS with a client certificate (auth_type = cert's check). Unlike PgBouncer, which
 * skips a line it cannot parse, a bad line refuses the whole file: a skipped reject line would let clients in.
 */
public final class HbaRules {
    /** What a matching line asks for. */
    public enum Method { TRUST, REJECT, MD5, PASSWORD, SCRAM_SHA_256, PEER, CERT }

    private enum Type { LOCAL, HOST, HOSTSSL, HOSTNOSSL }

    private record Names(boolean all, boolean sameUser, Set<String> names) {
        boolean matches(String name, String pair) {
            return all || (sameUser && name.equals(pair)) || names.contains(name);
        }
    }

    private record Rule(int line, Type type, Names databases, Names users, byte[] address, byte[] mask, Method method) {
        boolean equalTo(Rule o) {
            return type == o.type && databases.equals(o.databases) && users.equals(o.users) && method == o.method
                    && java.util.Arrays.equals(address, o.address) && java.util.Arrays.equals(mask, o.mask);
        }
    }

    private final Path file;
    private final List<Rule> rules;

    private HbaRules(Path file, List<Rule> rules) {
        this.file = file;
        this.rules = rules;
    }

    /**
     * Reads an hba file.
     *
     * @throws ConfigException naming the file and line of the first line that cannot be used
     */
    public static HbaRules load(Path file) throws ConfigException {
        List<String> lines = readLines(file, null, 0);
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            List<String> tokens = HbaTokens.split(lines.get(i), file, i + 1);
            if (!tokens.isEmpty()) {
                rules.add(parse(tokens, file, i + 1));
            }
        }
        return new HbaRules(file, List.copyOf(rules));
    }

    /** The method for a client over plain TCP from {@code client}, or REJECT when no line matches. */
    public Method match(InetAddress client, String database, String user) {
        return match(client, database, user, false);
    }

    /** The method for a client from {@code client} over TLS or not, or REJECT when no line matches. */
    public Method match(InetAddress client, String database, String user, boolean tls) {
        byte[] addr = client.getAddress();
        for (Rule r : rules) {
            if (r.type() == Type.LOCAL || (r.type() == Type.HOSTSSL && !tls) || (r.type() == Type.HOSTNOSSL && tls)) {
                continue; // no unix sockets; hostssl and hostnossl lines apply by the connection's TLS
            }
            if (!inNetwork(addr, r.address(), r.mask())) {
                continue;
            }
            if (r.databases().matches(database, user) && r.users().matches(user, database)) {
                return r.method();
            }
        }
        return Method.REJECT;
    }

    /** Same rules in the same order (line numbers aside): for reload diffs. */
    public boolean sameRules(HbaRules other) {
        if (other == null || other.rules.size() != rules.size()) {
            return false;
        }
        for (int i = 0; i < rules.size(); i++) {
            if (!rules.get(i).equalTo(other.rules.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean inNetwork(byte[] addr, byte[] base, byte[] mask) {
        if (base == null) {
            return true; // "all"
        }
        if (addr.length != base.length) {
            return false;
        }
        for (int i = 0; i < addr.length; i++) {
            if ((addr[i] & mask[i]) != (base[i] & mask[i])) {
                return false;
            }
        }
        return true;
    }

    private static Rule parse(List<String> t, Path file, int line) throws ConfigException {
        Type type;
        try {
            type = Type.valueOf(t.get(0).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(file, line, null, "unknown connection type '" + t.get(0)
                    + "'; expected local, host, hostssl or hostnossl");
        }
        int want = type == Type.LOCAL ? 4 : 5;
        boolean separateMask = type != Type.LOCAL && t.size() == 6 && !t.get(3).contains("/");
        if (t.size() != want && !separateMask) {
            throw ConfigException.at(file, line, null, "expected " + (type == Type.LOCAL
                    ? "local DATABASE USER METHOD" : t.get(0) + " DATABASE USER ADDRESS METHOD")
                    + " (options after the method are not supported)");
        }
        Names dbs = names(t.get(1), true, file, line);
        Names users = names(t.get(2), false, file, line);
        byte[] address = null;
        byte[] mask = null;
        if (type != Type.LOCAL) {
            byte[][] net = network(t.get(3), separateMask ? t.get(4) : null, file, line);
            address = net[0];
            mask = net[1];
        }
        String m = t.get(t.size() - 1).toUpperCase(Locale.ROOT).replace('-', '_');
        Method method;
        try {
            method = Method.valueOf(m);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(file, line, null, "unsupported method '" + t.get(t.size() - 1)
                    + "'; expected trust, reject, md5, password, scram-sha-256, peer or cert");
        }
        return new Rule(line, type, dbs, users, address, mask, method);
    }

    private static Names names(String field, boolean isDb, Path file, int line) throws ConfigException {
        boolean all = false;
        boolean same = false;
        Set<String> set = new LinkedHashSet<>();
        for (String item : HbaTokens.items(field)) {
            if (HbaTokens.isKeyword(item, "all")) {
                all = true;
            } else if (isDb && HbaTokens.isKeyword(item, "sameuser")) {
                same = true;
            } else if (HbaTokens.isKeyword(item, "samerole") || HbaTokens.isKeyword(item, "samegroup")
                    || HbaTokens.isKeyword(item, "replication") || item.startsWith("+") || item.startsWith("/")) {
                throw ConfigException.at(file, line, null, "'" + item + "' is not supported in auth_hba_file"
                        + " (as in PgBouncer: use names, all, sameuser or @file)");
            } else if (item.startsWith("@")) {
                Path dir = file.toAbsolutePath().getParent();
                for (String l : readLines(dir.resolve(item.substring(1)), file, line)) {
                    for (String name : HbaTokens.split(l, file, line)) {
                        set.addAll(HbaTokens.items(name).stream().map(HbaTokens::unquote).toList());
                    }
                }
            } else {
                set.add(HbaTokens.unquote(item));
            }
        }
        return new Names(all, same, Set.copyOf(set));
    }

    private static byte[][] network(String addr, String maskText, Path file, int line) throws ConfigException {
        if (addr.equals("all") && maskText == null) {
            return new byte[][] {null, null};
        }
        String host = addr;
        Integer bits = null;
        int slash = addr.indexOf('/');
        if (slash >= 0) {
            host = addr.substring(0, slash);
            try {
                bits = Integer.parseInt(addr.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw ConfigException.at(file, line, null, "invalid netmask in '" + addr + "'");
            }
        }
        byte[] base = literal(host, file, line);
        byte[] mask;
        if (bits != null) {
            if (bits < 0 || bits > base.length * 8) {
                throw ConfigException.at(file, line, null, "invalid netmask in '" + addr + "'");
            }
            mask = new byte[base.length];
            for (int i = 0; i < bits; i++) {
                mask[i / 8] |= (byte) (0x80 >>> (i % 8));
            }
        } else if (maskText != null) {
            mask = literal(maskText, file, line);
            if (mask.length != base.length) {
                throw ConfigException.at(file, line, null, "mask '" + maskText + "' does not fit address '" + addr + "'");
            }
        } else {
            throw ConfigException.at(file, line, null, "address '" + addr + "' needs a /prefix or a mask"
                    + " (host names are not supported)");
        }
        return new byte[][] {base, mask};
    }

    /** Only numeric addresses: InetAddress would otherwise resolve host names, which hba files here do not allow. */
    private static byte[] literal(String text, Path file, int line) throws ConfigException {
        if (!text.matches("[0-9.]+") && !text.contains(":")) {
            throw ConfigException.at(file, line, null, "'" + text + "' is not a numeric IP address"
                    + " (host names, samehost and samenet are not supported)");
        }
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw ConfigException.at(file, line, null, "'" + text + "' is not a valid IP address");
        }
    }

    private static List<String> readLines(Path file, Path from, int fromLine) throws ConfigException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String what = "cannot read " + (from == null ? "auth_hba_file " : "") + file + ": " + IniReader.describe(e);
            throw from == null ? new ConfigException(what, file, 0, Settings.AUTH_HBA_FILE.name())
                    : ConfigException.at(from, fromLine, null, what);
        }
    }

    @Override
    public String toString() {
        return "HbaRules[" + rules.size() + " rules from " + file + "]";
    }
}
