// auth_hba_file parsing and matching: first match wins, lists, quoting, @files, masks, and refusals with file:line.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HbaRulesTest {
    @TempDir
    Path dir;

    private HbaRules load(String... lines) throws Exception {
        Path f = dir.resolve("hba.conf");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return HbaRules.load(f);
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void firstMatchingLineWins() throws Exception {
        Files.writeString(dir.resolve("admins.txt"), "alice, bob\n# comment\ncarol\n");
        HbaRules r = load(
                "# TYPE  DATABASE        USER            ADDRESS                 METHOD",
                "local   all             all                                     trust",
                "hostssl all             all             0.0.0.0/0               trust",
                "host    app, \"my db\"    @admins.txt     10.0.0.0/8              scram-sha-256",
                "host    sameuser        all             10.1.0.0 255.255.0.0    md5  # per-user databases",
                "host    all             \"all\"           127.0.0.1/32            password",
                "host    all             all             ::1/128                 trust",
                "host    all             all             all                     reject");
        assertThat(r.match(ip("10.2.3.4"), "app", "bob")).isEqualTo(HbaRules.Method.SCRAM_SHA_256);
        assertThat(r.match(ip("10.2.3.4"), "app", "bob", true)).as("hostssl matches TLS clients")
                .isEqualTo(HbaRules.Method.TRUST);
        assertThat(r.match(ip("10.2.3.4"), "my db", "carol")).isEqualTo(HbaRules.Method.SCRAM_SHA_256);
        assertThat(r.match(ip("10.2.3.4"), "app", "dave")).isEqualTo(HbaRules.Method.REJECT);
        assertThat(r.match(ip("10.1.9.9"), "dave", "dave")).isEqualTo(HbaRules.Method.MD5);
        assertThat(r.match(ip("10.1.9.9"), "app", "dave")).isEqualTo(HbaRules.Method.REJECT);
        assertThat(r.match(ip("127.0.0.1"), "x", "all")).as("a quoted keyword is a name").isEqualTo(HbaRules.Method.PASSWORD);
        assertThat(r.match(ip("127.0.0.1"), "x", "eve")).isEqualTo(HbaRules.Method.REJECT);
        assertThat(r.match(ip("::1"), "x", "eve")).isEqualTo(HbaRules.Method.TRUST);
        assertThat(load("host all all 10.0.0.0/8 trust").match(ip("192.168.0.1"), "a", "b"))
                .as("no line matches: rejected").isEqualTo(HbaRules.Method.REJECT);
    }

    @Test
    void linesThatCannotBeUsedRefuseTheFileWithTheirLine() throws Exception {
        String[][] cases = {
                {"hots all all 1.2.3.4/32 trust", ":1: unknown connection type 'hots'"},
                {"host all all 1.2.3.4/32 ident", ":1: unsupported method 'ident'"},
                {"host all all 1.2.3.4/32 md5 clientcert=verify-ca", ":1: expected host DATABASE USER ADDRESS METHOD"},
                {"host all all db.example.com md5", ":1: 'db.example.com' is not a numeric IP address"},
                {"host all all 1.2.3.4/33 md5", ":1: invalid netmask in '1.2.3.4/33'"},
                {"host all all 1.2.3.4 md5", ":1: address '1.2.3.4' needs a /prefix or a mask"},
                {"host samerole all 1.2.3.4/32 md5", ":1: 'samerole' is not supported in auth_hba_file"},
                {"host all +admins 1.2.3.4/32 md5", ":1: '+admins' is not supported"},
                {"host \"app all 1.2.3.4/32 md5", ":1: unterminated quote"},
                {"host app, all 1.2.3.4/32 md5, ", ":1: list ends with a comma"},
                {"host all @missing.txt 1.2.3.4/32 md5", ":1: cannot read "},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> load("# header", c[0])).as(c[0]).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(c[1].replace(":1:", ":2:"));
        }
    }

    @Test
    void authTypeHbaNeedsTheFileAndLoadsItRelativeToTheIni() throws Exception {
        Files.writeString(dir.resolve("hba.conf"), "host all all 127.0.0.1/32 md5\n");
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, "[pgbouncer]\nauth_type = hba\nauth_hba_file = hba.conf\n");
        SluiceConfig c = IniLoader.load(ini);
        assertThat(c.authType()).isEqualTo(AuthType.HBA);
        assertThat(c.hba().match(ip("127.0.0.1"), "db", "u")).isEqualTo(HbaRules.Method.MD5);
        Files.writeString(ini, "[pgbouncer]\nauth_type = hba\n");
        assertThatThrownBy(() -> IniLoader.load(ini)).hasMessageContaining("auth_type = hba needs auth_hba_file");

        SluiceConfig before = c;
        Files.writeString(dir.resolve("hba.conf"), "host all all 127.0.0.1/32 scram-sha-256\n");
        Files.writeString(ini, "[pgbouncer]\nauth_type = hba\nauth_hba_file = hba.conf\n");
        assertThat(ConfigDiff.between(before, IniLoader.load(ini)).applied()).containsExactly("auth_hba_file: rules changed");
    }
}
