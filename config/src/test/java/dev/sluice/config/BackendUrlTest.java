// postgres:// URL parsing, defaults, percent-decoding, redaction and password-free errors.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendUrlTest {

    @Test
    void fullUrl() throws Exception {
        BackendUrl url = BackendUrl.parse("postgresql://app%40corp:p%40ss%3Aw%2Frd@db.example.com:6543/my%20db"
                + "?sslmode=disable&application_name=web%201");
        assertThat(url.user()).isEqualTo("app@corp");
        assertThat(url.password()).isEqualTo("p@ss:w/rd");
        assertThat(url.host()).isEqualTo("db.example.com");
        assertThat(url.port()).isEqualTo(6543);
        assertThat(url.database()).isEqualTo("my db");
        assertThat(url.options()).containsExactly(Map.entry("sslmode", "disable"), Map.entry("application_name", "web 1"));
    }

    @Test
    void defaultsAndUnencodedAtInPassword() throws Exception {
        BackendUrl url = BackendUrl.parse("postgres://bob:a@b@");
        assertThat(url.user()).isEqualTo("bob");
        assertThat(url.password()).isEqualTo("a@b");
        assertThat(url.host()).isEqualTo("127.0.0.1");
        assertThat(url.port()).isEqualTo(5432);
        assertThat(url.database()).isEqualTo("bob");

        BackendUrl bare = BackendUrl.parse("POSTGRES://localhost");
        assertThat(bare.user()).isNull();
        assertThat(bare.password()).isNull();
        assertThat(bare.database()).isNull();
        assertThat(bare.host()).isEqualTo("localhost");
    }

    @Test
    void ipv6AndQueryOverrides() throws Exception {
        BackendUrl url = BackendUrl.parse("postgres://[::1]:5555/db?user=u&password=p%26q&port=5556");
        assertThat(url.host()).isEqualTo("::1");
        assertThat(url.port()).isEqualTo(5556);
        assertThat(url.user()).isEqualTo("u");
        assertThat(url.password()).isEqualTo("p&q");
        assertThat(url.options()).isEmpty();
        assertThat(url.redacted()).isEqualTo("postgresql://u:****@[::1]:5556/db");
    }

    @Test
    void redactedHidesPassword() throws Exception {
        BackendUrl url = BackendUrl.parse("postgres://a%20b:s3cret@h/d?application_name=x");
        assertThat(url.redacted()).isEqualTo("postgresql://a%20b:****@h:5432/d?application_name=x");
        assertThat(url.toString()).isEqualTo(url.redacted());
        assertThat(BackendUrl.parse("postgres://u@h/d").redacted()).isEqualTo("postgresql://u@h:5432/d");
    }

    @Test
    void malformedUrlsNeverEchoThePassword() {
        assertMalformed("mysql://u:s3cret@h/d", "backend URL must start with postgres:// or postgresql://");
        assertMalformed("postgres://u:s3cret@h:port/d", "backend URL: the port is not an integer in 1..65535");
        assertMalformed("postgres://u:s3cret@h:70000/d", "backend URL: the port is not an integer in 1..65535");
        // An unencoded '/' ends the host part early, so the "port" would be password text.
        assertMalformed("postgres://u:s3/cret@h/d", "backend URL: the port is not an integer in 1..65535");
        assertMalformed("postgres://u:s3cret%zz@h/d", "backend URL: invalid percent-encoding in the password");
        assertMalformed("postgres://u:s3cret@h1,h2/d", "backend URL: multiple hosts are not supported");
        assertMalformed("postgres://u:s3cret@[::1/d", "backend URL: unterminated [ in IPv6 host");
        assertThatThrownBy(() -> BackendUrl.parse(null)).hasMessage("backend URL is missing");
    }

    private void assertMalformed(String url, String message) {
        assertThatThrownBy(() -> BackendUrl.parse(url))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .hasMessageNotContaining("s3")
                .satisfies(e -> assertThat(((ConfigException) e).file()).isNull());
    }
}
