// Tests for ScramSecret parsing, formatting and derivation against a verifier made by PostgreSQL.
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScramSecretTest {
    /** Made by PostgreSQL for the password "bench-throwaway". */
    private static final String PG_VERIFIER = "SCRAM-SHA-256$4096:RPSHNwMYR3bsTYhyxjJ/MQ==$"
            + "cBFn3dodL44rvb3mjXjr3Je36avC6gtq0DkPF/njXCs=:wcH6hzXftOmTThfBwrwh5hVKcGl/4k1YBnrgkrMrbNU=";

    @Test
    void fromPasswordMatchesPostgres() {
        ScramSecret parsed = ScramSecret.parse(PG_VERIFIER);
        assertThat(parsed.iterations()).isEqualTo(4096);
        assertThat(parsed.salt()).hasSize(16);
        ScramSecret derived = ScramSecret.fromPassword("bench-throwaway", parsed.salt(), 4096);
        assertThat(derived).isEqualTo(parsed).hasSameHashCodeAs(parsed);
        assertThat(derived.toString()).isEqualTo(PG_VERIFIER);
    }

    @Test
    void verifierAuthenticatesThePasswordItWasMadeFrom() {
        ScramSecret secret = ScramSecret.parse(PG_VERIFIER);
        ScramClient client = new ScramClient("bench-throwaway");
        ScramServer server = new ScramServer(secret);
        String fin = client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        client.verifyServerFinal(server.handleClientFinal(fin));
        assertThat(client.isAuthenticated()).isTrue();
    }

    @Test
    void isScramSecret() {
        assertThat(ScramSecret.isScramSecret(PG_VERIFIER)).isTrue();
        assertThat(ScramSecret.isScramSecret("md5bb41a296aab6baccb36ff243a562abff")).isFalse();
        assertThat(ScramSecret.isScramSecret("plain password")).isFalse();
        assertThat(ScramSecret.isScramSecret(null)).isFalse();
        assertThat(ScramSecret.isScramSecret("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA")).isFalse();
        assertThat(ScramSecret.isScramSecret("SCRAM-SHA-256$x:c2FsdA==$" + PG_VERIFIER.split("\\$")[2])).isFalse();
    }

    @Test
    void parseRejectsMalformed() {
        for (String bad : new String[] {"nope", "SCRAM-SHA-256$", "SCRAM-SHA-256$4096:abc",
            "SCRAM-SHA-256$0:c2FsdA==$" + PG_VERIFIER.split("\\$")[2],
            PG_VERIFIER.replace("4096:", "4096$").replaceFirst("\\$cBF", ":cBF"),
            PG_VERIFIER + ":extra", PG_VERIFIER.replace("RPSH", "!!SH")}) {
            assertThatThrownBy(() -> ScramSecret.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
