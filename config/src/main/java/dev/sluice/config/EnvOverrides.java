// Applies SLUICE_<SETTING> environment variables on top of a config, as containers expect.
package dev.sluice.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Environment overrides: every setting in {@link Settings} can be set as {@code SLUICE_} plus its
 * name in upper case. Values are validated exactly like ini values; errors name the variable.
 */
final class EnvOverrides {
    private static final String PREFIX = "SLUICE_";

    private EnvOverrides() {
    }

    static SluiceConfig apply(SluiceConfig base, Map<String, String> env) throws ConfigException {
        SluiceConfig.Builder builder = base.toBuilder();
        Map<String, Setting<?>> byVar = new LinkedHashMap<>();
        for (Setting<?> setting : Settings.all()) {
            byVar.put(setting.envVar(), setting);
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String var = e.getKey();
            Setting<?> setting = byVar.get(var);
            if (setting != null) {
                set(builder, setting, var, e.getValue());
            } else if (var.startsWith(PREFIX)) {
                // Other SLUICE_ variables may belong to the CLI, so only likely typos are reported.
                String hint = Spelling.nearest(var, byVar.keySet());
                if (hint != null) {
                    builder.warning("unknown environment variable " + var + "; did you mean " + hint + "?");
                }
            }
        }
        String authFile = env.get(Settings.AUTH_FILE.envVar());
        if (authFile != null && !authFile.isBlank()) {
            try {
                builder.userlist(Userlist.load(Path.of(authFile.strip())));
            } catch (ConfigException ex) {
                throw new ConfigException("environment variable " + Settings.AUTH_FILE.envVar() + ": "
                        + ex.getMessage(), ex.file(), ex.line(), Settings.AUTH_FILE.name());
            }
        }
        String hbaFile = env.get(Settings.AUTH_HBA_FILE.envVar());
        if (hbaFile != null && !hbaFile.isBlank()) {
            try {
                builder.hba(HbaRules.load(Path.of(hbaFile.strip())));
            } catch (ConfigException ex) {
                throw new ConfigException("environment variable " + Settings.AUTH_HBA_FILE.envVar() + ": "
                        + ex.getMessage(), ex.file(), ex.line(), Settings.AUTH_HBA_FILE.name());
            }
        }
        SluiceConfig result = builder.build();
        if (result.authType() == AuthType.HBA && result.hba() == null) {
            throw new ConfigException("auth_type = hba needs auth_hba_file (or " + Settings.AUTH_HBA_FILE.envVar() + ")");
        }
        return result;
    }

    private static <T> void set(SluiceConfig.Builder builder, Setting<T> setting, String var, String text)
            throws ConfigException {
        try {
            builder.set(setting, setting.parse(text));
        } catch (IllegalArgumentException ex) {
            throw new ConfigException("environment variable " + var + " = '" + text + "': " + ex.getMessage(),
                    null, 0, setting.name());
        }
    }
}
