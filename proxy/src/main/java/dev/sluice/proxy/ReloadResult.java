// What a reload did, for the log and the admin console's RELOAD answer.
package dev.sluice.proxy;

import dev.sluice.config.ConfigDiff;
import java.util.List;

/**
 * {@code error} is null when the new config was applied, else why nothing changed.
 *
 * @param diff settings, databases, users and auth_file entries that changed (null when refused)
 * @param pools one line per running pool that was resized or set to drain
 */
public record ReloadResult(ConfigDiff diff, List<String> pools, String error) {
    public boolean applied() {
        return error == null;
    }

    @Override
    public String toString() {
        if (error != null) {
            return "reload refused, running configuration unchanged: " + error;
        }
        return "reload: " + diff + (pools.isEmpty() ? "" : "; " + String.join("; ", pools));
    }
}
