// Tests for PostgreSQL's MD5 scheme; expected values were computed with md5sum in a shell.
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Md5PasswordTest {
    private static final byte[] SALT = {1, 2, 3, 4};

    @Test
    void encode() {
        // printf 'secretpostgres' | md5sum
        assertThat(Md5Password.encode("postgres", "secret")).isEqualTo("md553f48b7c4b76a86ce72276c5755f217d");
        // printf 'pencilpostgres' | md5sum
        assertThat(Md5Password.encode("postgres", "pencil")).isEqualTo("md54c21b325d75177d5e9b9789a50ab0c9c");
    }

    @Test
    void responseFromSecretOrPlainPassword() {
        // { printf '53f48b7c4b76a86ce72276c5755f217d'; printf '\x01\x02\x03\x04'; } | md5sum
        String expected = "md5bb41a296aab6baccb36ff243a562abff";
        assertThat(Md5Password.response("md553f48b7c4b76a86ce72276c5755f217d", "postgres", SALT)).isEqualTo(expected);
        assertThat(Md5Password.response("secret", "postgres", SALT)).isEqualTo(expected);
    }

    @Test
    void verify() {
        assertThat(Md5Password.verify("secret", "postgres", SALT, "md5bb41a296aab6baccb36ff243a562abff")).isTrue();
        assertThat(Md5Password.verify("secret", "postgres", new byte[] {1, 2, 3, 5},
                "md5bb41a296aab6baccb36ff243a562abff")).isFalse();
        assertThat(Md5Password.verify("secret", "postgres", SALT, "md5")).isFalse();
    }

    @Test
    void isMd5Secret() {
        assertThat(Md5Password.isMd5Secret("md553f48b7c4b76a86ce72276c5755f217d")).isTrue();
        assertThat(Md5Password.isMd5Secret("md553F48B7C4B76A86CE72276C5755F217D")).isFalse();
        assertThat(Md5Password.isMd5Secret("md553f48b7c4b76a86ce72276c5755f217")).isFalse();
        assertThat(Md5Password.isMd5Secret("xyz53f48b7c4b76a86ce72276c5755f217d")).isFalse();
        assertThat(Md5Password.isMd5Secret("SCRAM-SHA-256$4096:x")).isFalse();
        assertThat(Md5Password.isMd5Secret(null)).isFalse();
    }
}
