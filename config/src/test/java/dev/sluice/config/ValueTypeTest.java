// Value kinds: durations with and without units, booleans, integer ranges, lists and formatting.
package dev.sluice.config;

import static java.time.temporal.ChronoUnit.MILLIS;
import static java.time.temporal.ChronoUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueTypeTest {

    @ParameterizedTest
    @CsvSource({
        "30, PT30S", "0, PT0S", "0.5, PT0.5S", "0.1, PT0.1S", "500ms, PT0.5S", "2s, PT2S",
        "1.5 min, PT1M30S", "1h, PT1H", "2d, PT48H", "' 10 S ', PT10S", "1.5H, PT1H30M"})
    void durationsInSecondsWithOptionalUnits(String text, String expected) {
        assertThat(ValueType.duration(SECONDS).parse(text)).isEqualTo(Duration.parse(expected));
    }

    @Test
    void bareMillisecondsForTcpUserTimeout() {
        assertThat(Settings.TCP_USER_TIMEOUT.parse("30000")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Settings.TCP_USER_TIMEOUT.parse("1min")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Settings.TCP_USER_TIMEOUT.format(Duration.ofSeconds(30))).isEqualTo("30000");
    }

    @ParameterizedTest
    @CsvSource({"-1", "abc", "10 weeks", "1.2.3", "''", "ms", "99999999999999d"})
    void invalidDurations(String text) {
        assertThatThrownBy(() -> ValueType.duration(SECONDS).parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected a duration in seconds (e.g. 30 or 0.5), or with a unit: ms, s, min, h, d "
                        + "(e.g. 500ms, 1h)");
    }

    @Test
    void durationsFormatBackInTheBareUnit() {
        ValueType<Duration> secs = ValueType.duration(SECONDS);
        assertThat(secs.format(Duration.ofMillis(2500))).isEqualTo("2.5");
        assertThat(secs.format(Duration.ofHours(1))).isEqualTo("3600");
        assertThat(secs.format(Duration.ZERO)).isEqualTo("0");
        assertThat(ValueType.duration(MILLIS).format(Duration.ofMillis(7))).isEqualTo("7");
    }

    @ParameterizedTest
    @CsvSource({"1, true", "0, false", "TRUE, true", "false, false", "yes, true", "No, false", "on, true", "OFF, false"})
    void booleans(String text, boolean expected) {
        assertThat(ValueType.bool().parse(text)).isEqualTo(expected);
    }

    @Test
    void integersAreRangeChecked() {
        ValueType<Integer> t = ValueType.integer(1, 10);
        assertThat(t.parse(" 10 ")).isEqualTo(10);
        assertThatThrownBy(() -> t.parse("11")).hasMessage("expected an integer in 1..10");
        assertThatThrownBy(() -> t.parse("1.5")).hasMessage("expected an integer in 1..10");
        assertThatThrownBy(() -> t.check(0)).hasMessage("expected an integer in 1..10");
    }

    @Test
    void listsAndOptionalStrings() {
        assertThat(ValueType.list().parse(" a, b ,,c ")).containsExactly("a", "b", "c");
        assertThat(ValueType.list().parse("")).isEmpty();
        assertThat(ValueType.list().format(ValueType.list().parse("a, b"))).isEqualTo("a,b");
        assertThat(ValueType.optionalString().parse("  ")).isNull();
        assertThat(ValueType.string().parse("  DISCARD ALL ")).isEqualTo("DISCARD ALL");
    }

    @Test
    void enumsParseCaseInsensitivelyAndPrintIniWords() {
        assertThat(PoolMode.parse("Transaction")).isEqualTo(PoolMode.TRANSACTION);
        assertThat(PoolMode.SESSION.toString()).isEqualTo("session");
        assertThat(AuthType.parse("SCRAM-SHA-256")).isEqualTo(AuthType.SCRAM_SHA_256);
        assertThat(AuthType.SCRAM_SHA_256.toString()).isEqualTo("scram-sha-256");
        assertThat(Settings.AUTH_TYPE.type().expected()).isEqualTo("expected one of trust, plain, md5, scram-sha-256, any, hba, cert");
        assertThat(AuthType.parse("cert")).isEqualTo(AuthType.CERT);
        assertThatThrownBy(() -> AuthType.parse("pam")).hasMessage(
                "auth_type pam is not supported by Sluice yet; use one of trust, plain, md5, scram-sha-256, any, hba, cert");
        assertThatThrownBy(() -> AuthType.parse("password"))
                .hasMessage("expected one of trust, plain, md5, scram-sha-256, any, hba, cert");
    }
}
