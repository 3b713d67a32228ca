// PgBouncer userlist.txt parsing: quoting, comments, secrets kinds and malformed lines.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserlistTest {
    private static final String SCRAM = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy";

    @TempDir
    Path dir;

    @Test
    void parsesAllSecretKindsCommentsAndQuotes() throws Exception {
        Path file = dir.resolve("userlist.txt");
        Files.writeString(file, String.join("\n",
                "; pgbouncer userlist",
                "# generated",
                "",
                "\"plainuser\" \"pa ss\"",
                "\"md5user\" \"md5a3556571e93b0d20722ba62be61e8c2d\"",
                "  \"scramuser\"   \"" + SCRAM + "\"  ",
                "\"quo\"\"te\" \"se\"\"cret\" trailing ignored",
                "\"plainuser\" \"second wins\""));
        Userlist list = Userlist.load(file);
        assertThat(list.users()).containsExactly("plainuser", "md5user", "scramuser", "quo\"te");
        assertThat(list.secret("plainuser")).isEqualTo("second wins");
        assertThat(list.secret("md5user")).isEqualTo("md5a3556571e93b0d20722ba62be61e8c2d");
        assertThat(list.secret("scramuser")).isEqualTo(SCRAM);
        assertThat(list.secret("quo\"te")).isEqualTo("se\"cret");
        assertThat(list.contains("nobody")).isFalse();
        assertThat(list.secret("nobody")).isNull();
        assertThat(list.file()).isEqualTo(file);
        assertThat(list.toString()).isEqualTo("Userlist[4 users, from " + file + "]").doesNotContain("cret");
    }

    @Test
    void malformedLinesNameFileAndLineButNotTheSecret() throws Exception {
        assertMalformed("\"alice\" hunter2", 1, "expected the secret in double quotes");
        assertMalformed("\"ok\" \"x\"\nalice \"hunter2\"", 2, "expected the user name in double quotes");
        assertMalformed("\"alice\" \"hunter2", 1, "unterminated quote in the secret");
        assertMalformed("\"alice\"", 1, "expected the secret in double quotes");
    }

    private void assertMalformed(String content, int line, String detail) throws Exception {
        Path file = dir.resolve("bad.txt");
        Files.writeString(file, content);
        assertThatThrownBy(() -> Userlist.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":" + line + ": malformed userlist line: " + detail
                        + (detail.startsWith("expected") ? " (\"user\" \"secret\")" : ""))
                .hasMessageNotContaining("hunter2")
                .satisfies(e -> assertThat(((ConfigException) e).line()).isEqualTo(line));
    }

    @Test
    void inMemory() {
        Userlist list = Userlist.of(Map.of("app", "pw"));
        assertThat(list.secret("app")).isEqualTo("pw");
        assertThat(list.toString()).isEqualTo("Userlist[1 users, in memory]");
        assertThat(Userlist.empty().size()).isZero();
    }
}
