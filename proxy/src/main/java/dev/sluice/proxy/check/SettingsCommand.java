// `sluice settings --markdown`: prints the configuration reference (docs/configuration.md) from the code's own table.
package dev.sluice.proxy.check;

import dev.sluice.config.Setting;
import dev.sluice.config.Settings;
import dev.sluice.config.SettingsDoc;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Without --markdown: one line per setting with its default, for a quick look. */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "List every setting Sluice reads (--markdown: the full reference page).")
public final class SettingsCommand implements Callable<Integer> {
    @Option(names = "--markdown", description = "print docs/configuration.md")
    boolean markdown;

    private final PrintStream out;

    public SettingsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (markdown) {
            out.print(SettingsDoc.markdown());
        } else {
            for (Setting<?> s : Settings.all()) {
                out.println(line(s));
            }
        }
        out.flush();
        return 0;
    }

    private static <T> String line(Setting<T> s) {
        return s.name() + " = " + s.format(s.defaultValue()) + (Settings.reloadable(s) ? "" : "   (restart)");
    }
}
