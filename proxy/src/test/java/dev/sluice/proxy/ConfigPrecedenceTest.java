// The documented precedence, end to end through the CLI's own loader: command line > environment > file > default.
package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.SluiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigPrecedenceTest {
    @TempDir
    Path dir;

    private SluiceConfig load(Map<String, String> env, String... args) throws Exception {
        Main main = new Main(env);
        new CommandLine(main).parseArgs(args);
        return main.load();
    }

    @Test
    void commandLineBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
        Path ini = dir.resolve("sluice.ini");
        Files.writeString(ini, "[pgbouncer]\nauth_type = trust\ndefault_pool_size = 11\npool_mode = session\n"
                + "query_wait_timeout = 9\nlisten_port = 7001\n");
        Map<String, String> env = Map.of("SLUICE_DEFAULT_POOL_SIZE", "22", "SLUICE_POOL_MODE", "statement",
                "SLUICE_LISTEN_PORT", "7002");
        SluiceConfig c = load(env, "--config", ini.toString(), "--pool-size", "33", "--listen", "127.0.0.1:7003");
        assertThat(c.defaultPoolSize()).as("command line over environment and file").isEqualTo(33);
        assertThat(c.listenPort()).as("command line over environment and file").isEqualTo(7003);
        assertThat(c.poolMode()).as("environment over file").isEqualTo(PoolMode.STATEMENT);
        assertThat(c.queryWaitTimeout()).as("file over default").isEqualTo(Duration.ofSeconds(9));
        assertThat(c.serverLifetime()).as("default").isEqualTo(Duration.ofHours(1));

        SluiceConfig fileOnly = load(Map.of(), "--config", ini.toString());
        assertThat(fileOnly.defaultPoolSize()).isEqualTo(11);
        assertThat(fileOnly.poolMode()).isEqualTo(PoolMode.SESSION);
    }

    @Test
    void databaseUrlStandsInForBackend() throws Exception {
        SluiceConfig c = load(Map.of("DATABASE_URL", "postgres://app:pw@db.internal:5433/shop",
                "SLUICE_DEFAULT_POOL_SIZE", "4"));
        assertThat(c.databases().get("shop").host()).isEqualTo("db.internal");
        assertThat(c.defaultPoolSize()).isEqualTo(4);
        SluiceConfig flag = load(Map.of("DATABASE_URL", "postgres://app:pw@db.internal:5433/shop"),
                "--backend", "postgres://other:pw@db2/other");
        assertThat(flag.databases()).containsOnlyKeys("other");
    }
}
