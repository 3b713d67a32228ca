// Tests for SASLprep as PostgreSQL applies it to passwords.
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaslPrepTest {

    @Test
    void asciiIsUntouchedEvenWithControlCharacters() {
        assertThat(SaslPrep.prepare("pencil")).isEqualTo("pencil");
        assertThat(SaslPrep.prepare("a\tb")).isEqualTo("a\tb");
    }

    @Test
    void rfc4013Examples() {
        assertThat(SaslPrep.prepare("I\u00ADX")).isEqualTo("IX"); // soft hyphen mapped to nothing
        assertThat(SaslPrep.prepare("\u00AA")).isEqualTo("a"); // NFKC
        assertThat(SaslPrep.prepare("\u2168")).isEqualTo("IX"); // NFKC
        assertThat(SaslPrep.prepare("a\u00A0b")).isEqualTo("a b"); // non-ASCII space
    }

    @Test
    void failuresFallBackToTheRawPassword() {
        assertThat(SaslPrep.prepare("\u0007\u00E9")).isEqualTo("\u0007\u00E9"); // prohibited control char
        assertThat(SaslPrep.prepare("\u00AD")).isEqualTo("\u00AD"); // empty after mapping
        assertThat(SaslPrep.prepare("\u05D0a")).isEqualTo("\u05D0a"); // RTL mixed with LTR
        assertThat(SaslPrep.prepare("\uE000\u00E9")).isEqualTo("\uE000\u00E9"); // private use
    }

    @Test
    void rightToLeftOnlyIsFine() {
        assertThat(SaslPrep.prepare("\u05D0\u05D1")).isEqualTo("\u05D0\u05D1");
    }

    @Test
    void derivationUsesThePreparedForm() {
        byte[] salt = {1, 2, 3};
        assertThat(ScramKeys.derive("I\u00ADX", salt, 5).clientKey())
                .isEqualTo(ScramKeys.derive("IX", salt, 5).clientKey());
    }
}
