package io.github.layershuffle.samples.swarm.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.samples.swarm.client.SwarmClient;
import io.github.layershuffle.samples.swarm.client.SwarmResult;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.testing.Certificates;
import io.github.layershuffle.samples.swarm.testing.TinySwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS, mutual TLS and bearer tokens between a real server and client on 127.0.0.1, with certificates that the test
 * makes with {@code openssl} (see {@link Certificates}).
 */
class TransportSecurityTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE);
    private static final BearerToken TOKEN = BearerToken.of("s3cret-token-for-tests-0123456789");

    @TempDir
    static Path tmp;
    static Path export;
    static Path ca;
    static Path serverCert;
    static Path clientCert;
    static Path strangerCert;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        export = TinySwarm.export(CONFIG, "fam", 5, tmp.resolve("model"));
        ca = Certificates.ca(tmp, "ca");
        serverCert = Certificates.server(tmp, ca, "server");
        clientCert = Certificates.client(tmp, ca, "client");
        Path otherCa = Certificates.ca(tmp, "other-ca");
        strangerCert = Certificates.client(tmp, otherCa, "stranger");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private BlockServer server(ServerSecurity security) {
        BlockServer s = TinySwarm.builder(export, "all", 0).optSecurity(security).start();
        open.add(s);
        return s;
    }

    private SwarmClient connect(BlockServer server, ClientSecurity security) {
        SwarmClient c = SwarmClient.builder().servers(TinySwarm.addresses(server)).optSecurity(security)
                .optConnectTimeout(Duration.ofSeconds(5)).optSeed(1).connect();
        open.add(c);
        return c;
    }

    private static SwarmResult classify(SwarmClient client) {
        return client.classify(TinySwarm.pixels(CONFIG, 1, 3), TinySwarm.shape(CONFIG, 1), ExecutionPlan.of(3, 0, 1, 2));
    }

    @Test
    void tlsHandshakeWithTestMadeCertificatesCarriesRequests() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert)));
        SwarmResult r = classify(connect(server, ClientSecurity.tls(ca)));
        assertThat(r.ran().blocks()).containsExactly(0, 1, 2);
    }

    @Test
    void aPlaintextClientCannotTalkToATlsServer() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert)));
        assertThatThrownBy(() -> connect(server, ClientSecurity.plaintext()))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("no server answered");
    }

    @Test
    void aClientThatTrustsAnotherCaRefusesTheServer() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert)));
        assertThatThrownBy(() -> connect(server, ClientSecurity.tls(tmp.resolve("other-ca.pem"))))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("UNAVAILABLE");
    }

    @Test
    void aServerNameOverridesTheAddressDialledInTheCertificateCheck() {
        Path named = Certificates.serverNamed(tmp, ca, "named", "swarm-blocks.test");
        BlockServer server = server(ServerSecurity.tls(named, Certificates.key(named)));
        assertThatThrownBy(() -> connect(server, ClientSecurity.tls(ca)))
                .as("the certificate does not name 127.0.0.1").isInstanceOf(LayerShuffleException.class);
        assertThat(classify(connect(server, ClientSecurity.tls(ca).withServerName("swarm-blocks.test"))).ran().size())
                .isEqualTo(3);
    }

    @Test
    void mutualTlsAdmitsAClientWithACertificateOfTheTrustedCa() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert))
                .requireClientCertificates(ca));
        SwarmClient client = connect(server, ClientSecurity.tls(ca).withClientCertificate(clientCert,
                Certificates.key(clientCert)));
        assertThat(classify(client).ran().size()).isEqualTo(3);
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificate() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert))
                .requireClientCertificates(ca));
        assertThatThrownBy(() -> connect(server, ClientSecurity.tls(ca)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("no server answered");
    }

    @Test
    void mutualTlsRefusesAClientWhoseCertificateIsOfAnotherCa() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert))
                .requireClientCertificates(ca));
        assertThatThrownBy(() -> connect(server, ClientSecurity.tls(ca).withClientCertificate(strangerCert,
                Certificates.key(strangerCert))))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("no server answered");
    }

    @Test
    void theRightTokenIsAdmittedAWrongOrMissingOneRefused() {
        BlockServer server = server(ServerSecurity.tls(serverCert, Certificates.key(serverCert))
                .withBearerToken(TOKEN));
        ClientSecurity tls = ClientSecurity.tls(ca);
        assertThat(classify(connect(server, tls.withBearerToken(TOKEN))).ran().size()).isEqualTo(3);
        assertThatThrownBy(() -> connect(server, tls.withBearerToken(BearerToken.of("wrong-token-0123456789abc"))))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("UNAUTHENTICATED")
                .hasMessageContaining("wrong bearer token").hasMessageNotContaining("wrong-token-0123456789abc");
        assertThatThrownBy(() -> connect(server, tls))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("UNAUTHENTICATED")
                .hasMessageContaining("no bearer token");
    }

    @Test
    void aTokenIsCheckedOnPlaintextLoopbackToo() {
        BlockServer server = server(ServerSecurity.plaintext().withBearerToken(TOKEN));
        assertThatThrownBy(() -> connect(server, ClientSecurity.plaintext()))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("UNAUTHENTICATED");
        assertThat(classify(connect(server, ClientSecurity.plaintext().withBearerToken(TOKEN))).ran().size())
                .isEqualTo(3);
    }

    @Test
    void tokensAndFilesAreChecked() throws Exception {
        assertThatThrownBy(() -> BearerToken.of("short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16 to 512");
        assertThatThrownBy(() -> BearerToken.of("has a space in it, sixteen+")).hasMessageContaining("printable");
        Path file = Files.writeString(tmp.resolve("token"), "  s3cret-token-for-tests-0123456789\n");
        assertThat(BearerToken.read(file).toString()).isEqualTo("BearerToken[33 characters]");
        assertThatThrownBy(() -> ServerSecurity.tls(tmp.resolve("missing.pem"), Certificates.key(serverCert)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> ServerSecurity.plaintext().requireClientCertificates(ca))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("need TLS");
        // a certificate passed as its own key does not parse: named, not a gRPC stack trace
        assertThatThrownBy(() -> server(ServerSecurity.tls(serverCert, serverCert)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("server.pem");
    }
}
