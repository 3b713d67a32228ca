// RFC 7677 section 3 test vector for SCRAM-SHA-256, run through both ScramClient and ScramServer.
package dev.sluice.protocol.scram;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramRfc7677Test {
    static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @Test
    void clientSide() {
        ScramClient client = new ScramClient("pencil", "user", CLIENT_NONCE);
        assertThat(client.clientFirstMessage()).isEqualTo(CLIENT_FIRST);
        assertThat(client.handleServerFirst(SERVER_FIRST)).isEqualTo(CLIENT_FINAL);
        client.verifyServerFinal(SERVER_FINAL);
        assertThat(client.isAuthenticated()).isTrue();
    }

    @Test
    void serverSide() {
        ScramServer server = new ScramServer(ScramSecret.fromPassword("pencil", SALT, 4096), SERVER_NONCE);
        assertThat(server.handleClientFirst(CLIENT_FIRST)).isEqualTo(SERVER_FIRST);
        assertThat(server.handleClientFinal(CLIENT_FINAL)).isEqualTo(SERVER_FINAL);
        assertThat(server.isAuthenticated()).isTrue();
        assertThat(server.clientKey()).isEqualTo(ScramKeys.derive("pencil", SALT, 4096).clientKey());
    }

    @Test
    void passThroughClientReproducesTheVectorFromRecoveredKeys() {
        ScramSecret secret = ScramSecret.fromPassword("pencil", SALT, 4096);
        ScramServer server = new ScramServer(secret, SERVER_NONCE);
        server.handleClientFirst(CLIENT_FIRST);
        server.handleClientFinal(CLIENT_FINAL);
        // Pass-through: log in to "PostgreSQL" with the client's ClientKey and the stored ServerKey.
        ScramClient passThrough = new ScramClient(server.clientKey(), secret.serverKey());
        String first = passThrough.clientFirstMessage();
        ScramServer upstream = new ScramServer(secret);
        String clientFinal = passThrough.handleServerFirst(upstream.handleClientFirst(first));
        passThrough.verifyServerFinal(upstream.handleClientFinal(clientFinal));
        assertThat(passThrough.isAuthenticated()).isTrue();
    }
}
