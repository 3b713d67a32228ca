// docs/configuration.md is generated from the Settings table; this fails when the two disagree.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SettingsDocTest {
    /** The module runs its tests from config/, so the repository's docs/ is one level up. */
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void committedReferenceMatchesTheCode() throws Exception {
        String expected = SettingsDoc.markdown();
        assertThat(Files.isRegularFile(DOC)).as("%s exists", DOC.toAbsolutePath()).isTrue();
        assertThat(Files.readString(DOC))
                .as("docs/configuration.md is out of date: regenerate it with"
                        + " `java -jar proxy/target/sluice.jar settings --markdown > docs/configuration.md`")
                .isEqualTo(expected);
    }

    @Test
    void everySettingAndEveryDifferenceNoteHasARow() {
        String md = SettingsDoc.markdown();
        for (Setting<?> s : Settings.all()) {
            assertThat(md).contains("| `" + s.name() + "` |");
        }
        assertThat(Settings.all()).extracting(Setting::name).containsAll(SettingsDoc.DIFFERENCES.keySet());
    }
}
