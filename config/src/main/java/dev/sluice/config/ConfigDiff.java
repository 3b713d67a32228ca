// What a reload would change: settings applied, settings needing a restart, databases and users added or removed.
package dev.sluice.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The difference between the running config and a newly loaded one, as lines an operator reads in the log
 * or in the admin console's RELOAD answer ("default_pool_size: 20 -> 5"). Secrets are never printed: a
 * changed password or userlist secret is reported by user name only.
 *
 * @param applied changes a reload puts into effect
 * @param restartNeeded changes a reload reports but cannot apply; the running value stays
 */
public record ConfigDiff(List<String> applied, List<String> restartNeeded) {

    public ConfigDiff {
        applied = List.copyOf(applied);
        restartNeeded = List.copyOf(restartNeeded);
    }

    /** Compares {@code before} and {@code after}; both must be complete configs. */
    public static ConfigDiff between(SluiceConfig before, SluiceConfig after) {
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        for (Setting<?> s : Settings.all()) {
            String was = format(s, before);
            String now = format(s, after);
            if (!was.equals(now)) {
                String line = s.name() + ": '" + was + "' -> '" + now + "'";
                (Settings.reloadable(s) ? applied : restart).add(line);
            }
        }
        diffEntries("database", before.databases(), after.databases(), applied);
        diffEntries("user", before.users(), after.users(), applied);
        Set<String> users = new LinkedHashSet<>(before.userlist().users());
        users.addAll(after.userlist().users());
        for (String u : users) {
            String a = before.userlist().secret(u);
            String b = after.userlist().secret(u);
            if (a == null) {
                applied.add("auth_file: user '" + u + "' added");
            } else if (b == null) {
                applied.add("auth_file: user '" + u + "' removed");
            } else if (!a.equals(b)) {
                applied.add("auth_file: secret of user '" + u + "' changed");
            }
        }
        HbaRules a = before.hba();
        HbaRules b = after.hba();
        if (a != null && b != null && !a.sameRules(b)) {
            applied.add("auth_hba_file: rules changed");
        }
        return new ConfigDiff(applied, restart);
    }

    /** True when the new config is the same as the running one. */
    public boolean isEmpty() {
        return applied.isEmpty() && restartNeeded.isEmpty();
    }

    private static <T> String format(Setting<T> s, SluiceConfig c) {
        return s.format(c.get(s));
    }

    private static <V> void diffEntries(String kind, Map<String, V> before, Map<String, V> after, List<String> out) {
        for (Map.Entry<String, V> e : after.entrySet()) {
            V old = before.get(e.getKey());
            if (old == null) {
                out.add(kind + " '" + e.getKey() + "' added");
            } else if (!Objects.equals(old, e.getValue())) {
                out.add(kind + " '" + e.getKey() + "' changed");
            }
        }
        for (String name : before.keySet()) {
            if (!after.containsKey(name)) {
                out.add(kind + " '" + name + "' removed");
            }
        }
    }

    @Override
    public String toString() {
        if (isEmpty()) {
            return "no changes";
        }
        List<String> all = new ArrayList<>(applied);
        for (String r : restartNeeded) {
            all.add(r + " (needs a restart; still running with the old value)");
        }
        return String.join("; ", all);
    }
}
