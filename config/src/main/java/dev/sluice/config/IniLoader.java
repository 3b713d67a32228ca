// Loads a pgbouncer.ini-compatible file into a SluiceConfig, validating every value.
package dev.sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Gives meaning to the entries {@link IniReader} finds: {@code [pgbouncer]} (alias {@code [sluice]})
 * settings through the {@link Settings} table, {@code [databases]} and {@code [users]} connection
 * strings, and the auth_file. {@code [peers]} is accepted and ignored. Invalid values stop the load
 * with a {@link ConfigException}; unknown or unimplemented names only add warnings, so a working
 * PgBouncer file keeps loading.
 */
public final class IniLoader {
    private final SluiceConfig.Builder builder = SluiceConfig.builder();
    // First definition of each database/user, to warn when a later line silently replaces it.
    private final Map<String, Origin> seen = new HashMap<>();
    private Origin authFileOrigin;
    private Origin hbaFileOrigin;
    // Null when loading (the first error stops); a list when checking, to report every problem at once.
    private final List<ConfigException> problems;

    private IniLoader(boolean collect) {
        this.problems = collect ? new ArrayList<>() : null;
    }

    /** What {@link #check} found: the config when everything was valid, and every problem otherwise. */
    public record Checked(SluiceConfig config, List<ConfigException> problems, List<String> warnings) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    /**
     * Like {@link #load} but goes on after an invalid line, so `sluice check` can list every problem in a
     * file rather than one per run. A file that cannot be read at all is one problem.
     */
    public static Checked check(Path file) {
        IniLoader loader = new IniLoader(true);
        loader.builder.sourceFile(file);
        List<IniReader.Entry> entries;
        try {
            entries = IniReader.read(file);
        } catch (ConfigException e) {
            return new Checked(null, List.of(e), List.of());
        }
        for (IniReader.Entry entry : entries) {
            try {
                loader.apply(entry);
            } catch (ConfigException e) {
                loader.problems.add(e);
            }
        }
        SluiceConfig config = null;
        try {
            config = loader.finish();
        } catch (ConfigException e) {
            loader.problems.add(e);
        }
        List<String> warnings = config != null ? config.warnings() : loader.builder.build().warnings();
        return new Checked(loader.problems.isEmpty() ? config : null, List.copyOf(loader.problems), warnings);
    }

    /**
     * Reads {@code file} (and its includes) and, if auth_file is set, the userlist.
     *
     * @throws ConfigException for unreadable files, syntax errors and invalid values
     */
    public static SluiceConfig load(Path file) throws ConfigException {
        IniLoader loader = new IniLoader(false);
        loader.builder.sourceFile(file);
        for (IniReader.Entry entry : IniReader.read(file)) {
            loader.apply(entry);
        }
        return loader.finish();
    }

    private void apply(IniReader.Entry e) throws ConfigException {
        switch (e.section()) {
            case "pgbouncer":
            case "sluice":
                setting(e);
                break;
            case "databases":
                remember("database", e);
                builder.database(DatabaseConfig.parse(e.key(), e.value(), e.origin(), builder::warning));
                break;
            case "users":
                remember("user", e);
                builder.user(UserConfig.parse(e.key(), e.value(), e.origin(), builder::warning));
                break;
            case "peers":
                // Peer forwarding of cancels is decided elsewhere; PgBouncer files may still list peers.
                break;
            default:
                builder.warning("unknown section [" + e.section() + "] (" + e.origin() + "); ignored");
        }
    }

    private void setting(IniReader.Entry e) throws ConfigException {
        String key = e.key().toLowerCase(Locale.ROOT);
        Setting<?> setting = Settings.byName(key);
        if (setting == null) {
            if (Settings.isNotImplemented(key)) {
                String refusal = Settings.refusal(key, e.value());
                if (refusal != null) {
                    throw e.origin().error(key, refusal);
                }
                builder.warning("setting " + key + " is accepted but not implemented by Sluice; ignored ("
                        + e.origin() + ")");
            } else {
                String hint = Settings.suggest(key);
                builder.warning("unknown setting '" + key + "' (" + e.origin() + ")"
                        + (hint == null ? "" : "; did you mean '" + hint + "'?"));
            }
            return;
        }
        String value = e.value();
        if (Settings.isFilePath(setting) && !value.isBlank()) {
            // Relative to the file that names it, so the config works from any working directory.
            Path dir = e.origin().file().toAbsolutePath().getParent();
            value = dir.resolve(value.strip()).normalize().toString();
            if (setting == Settings.AUTH_FILE) {
                authFileOrigin = e.origin();
            } else if (setting == Settings.AUTH_HBA_FILE) {
                hbaFileOrigin = e.origin();
            }
        }
        String what = key + " = '" + e.value() + "'";
        if (e.value().contains(";") || e.value().contains(" #")) {
            what += " (a comment must be on its own line: the rest of the line is the value, as in PgBouncer)";
        }
        set(builder, setting, value, e.origin(), what);
    }

    /**
     * Parses {@code text} for {@code setting} into the builder; {@code what} describes the source for
     * the error message ("default_pool_size = 'abc'").
     */
    static <T> void set(SluiceConfig.Builder builder, Setting<T> setting, String text, Origin origin, String what)
            throws ConfigException {
        try {
            builder.set(setting, setting.parse(text));
        } catch (IllegalArgumentException ex) {
            throw origin.error(setting.name(), what + ": " + ex.getMessage());
        }
    }

    private void remember(String kind, IniReader.Entry e) {
        Origin first = seen.putIfAbsent(kind + ":" + e.key(), e.origin());
        if (first != null) {
            builder.warning(kind + " '" + e.key() + "' is defined again at " + e.origin() + " (first at " + first
                    + "); the later entry wins");
        }
    }

    private SluiceConfig finish() throws ConfigException {
        SluiceConfig config = builder.build();
        if (config.authFile() != null) {
            try {
                builder.userlist(Userlist.load(config.authFile()));
            } catch (ConfigException ex) {
                if (ex.line() > 0) {
                    throw ex;
                }
                // An unreadable userlist is reported where auth_file was set, which is what the user edits.
                throw authFileOrigin.error(Settings.AUTH_FILE.name(), ex.getMessage());
            }
        }
        String hbaFile = config.get(Settings.AUTH_HBA_FILE);
        if (hbaFile != null) {
            try {
                builder.hba(HbaRules.load(Path.of(hbaFile)));
            } catch (ConfigException ex) {
                if (ex.line() > 0) {
                    throw ex;
                }
                throw hbaFileOrigin.error(Settings.AUTH_HBA_FILE.name(), ex.getMessage());
            }
        } else if (config.authType() == AuthType.HBA) {
            throw ConfigException.at(config.sourceFile(), 0, Settings.AUTH_HBA_FILE.name(),
                    "auth_type = hba needs auth_hba_file");
        }
        return sanityWarnings(builder).build();
    }

    /** Combinations that load fine but are almost certainly not what the operator meant. */
    static SluiceConfig.Builder sanityWarnings(SluiceConfig.Builder b) {
        SluiceConfig c = b.build();
        if (c.minPoolSize() > c.defaultPoolSize()) {
            b.warning("min_pool_size (" + c.minPoolSize() + ") is larger than default_pool_size ("
                    + c.defaultPoolSize() + "); check both values");
        }
        AuthType auth = c.authType();
        if (auth != AuthType.TRUST && auth != AuthType.ANY && auth != AuthType.HBA && c.userlist().size() == 0
                && c.get(Settings.AUTH_USER) == null) {
            b.warning("auth_type " + auth + " but the userlist is empty (set auth_file); no client can log in");
        }
        return b;
    }
}
