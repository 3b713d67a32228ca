// The systemd unit verifies and reloads with SIGHUP; the example config shipped in the tarball and image loads.
package dev.sluice.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.IniLoader;
import dev.sluice.config.SluiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdAndConfigTest {
    private static final String UNIT = "deploy/systemd/sluice.service";

    private static String directive(String unit, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(unit);
        assertThat(m.find()).as(key).isTrue();
        return m.group(1).strip();
    }

    @Test
    void unitReloadsWithSighupAndOutlastsTheDrain() throws Exception {
        String unit = DeployFiles.read(UNIT);
        assertThat(directive(unit, "ExecReload")).isEqualTo("/bin/kill -HUP $MAINPID");
        assertThat(directive(unit, "KillSignal")).isEqualTo("SIGTERM");
        assertThat(directive(unit, "ExecStart")).isEqualTo("/opt/sluice/bin/sluice --config /etc/sluice/sluice.ini");
        String ini = DeployFiles.read("deploy/config/sluice.ini");
        Matcher shutdown = Pattern.compile("(?m)^shutdown_timeout\\s*=\\s*(\\d+)").matcher(ini);
        int drain = shutdown.find() ? Integer.parseInt(shutdown.group(1)) : 30;
        assertThat(Integer.parseInt(directive(unit, "TimeoutStopSec"))).isGreaterThan(drain);
        assertThat(directive(unit, "User")).isNotEqualTo("root");
    }

    /** systemd's own parser, with ExecStart pointed at this checkout's start script (it must exist). */
    @Test
    void systemdAnalyzeVerifiesTheUnit(@TempDir Path dir) throws Exception {
        Path analyze = DeployFiles.requireTool("systemd-analyze", "Debian package systemd");
        String unit = DeployFiles.read(UNIT).replace("/opt/sluice/bin/sluice", DeployFiles.path("deploy/bin/sluice").toString());
        Path copy = Files.writeString(dir.resolve("sluice.service"), unit);
        DeployFiles.Result r = DeployFiles.run(dir, java.util.List.of(analyze.toString(), "verify", copy.toString()));
        // verify exits 0 on unknown keys and bad values too, and only prints them: any output is a finding
        assertThat(r.output()).as("systemd-analyze verify").isEmpty();
        assertThat(r.exit()).isZero();
    }

    /** The example sluice.ini with its userlist, as `make dist` and the image ship them. */
    @Test
    void exampleConfigLoads(@TempDir Path dir) throws Exception {
        Files.copy(DeployFiles.path("deploy/config/sluice.ini"), dir.resolve("sluice.ini"));
        Files.copy(DeployFiles.path("deploy/config/userlist.txt"), dir.resolve("userlist.txt"));
        SluiceConfig cfg = IniLoader.load(dir.resolve("sluice.ini"));
        assertThat(cfg.databases()).containsKeys("shop", "*");
        assertThat(cfg.userlist().users()).contains("app", "admin", "prometheus");
        assertThat(cfg.statsUsers()).containsExactly("prometheus");
        assertThat(cfg.defaultPoolSize()).isEqualTo(20);
    }

    /** `make dist` packs these; the tarball's own check (unpack, run bin/sluice --version) runs in `make test`. */
    @Test
    void distPacksTheDocumentedFiles() throws Exception {
        String dist = DeployFiles.read("deploy/dist.sh");
        for (String f : new String[] {"deploy/bin/sluice", "deploy/config/sluice.ini", "deploy/config/userlist.txt",
                "deploy/systemd/sluice.service", "README.md"}) {
            assertThat(dist).contains(f);
            assertThat(DeployFiles.path(f)).exists();
        }
        assertThat(DeployFiles.read("Makefile")).contains("deploy/dist.sh $(JAR)");
    }
}
