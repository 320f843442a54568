package io.github.layershuffle.samples.swarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.samples.swarm.security.ServerSecurity;
import io.github.layershuffle.samples.swarm.testing.Certificates;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Plaintext only when asked for, and then on loopback; TLS options that contradict each other are refused. */
class SecurityOptionsTest {
    @TempDir
    Path tmp;

    private static SecurityOptions parse(String... args) {
        ServerCommand command = new ServerCommand();
        String[] all = new String[args.length + 2];
        all[0] = "--host";
        all[1] = "unused";
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(command).parseArgs(all);
        return command.security;
    }

    @Test
    void aServerWithNeitherTlsNorPlaintextIsRefused() {
        assertThatThrownBy(() -> parse().server(false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tls-cert and --tls-key").hasMessageContaining("--plaintext");
        assertThat(SwarmCli.run("server", "--host", tmp.toString(), "--port", "0")).isEqualTo(1);
        assertThatThrownBy(() -> parse().client()).hasMessageContaining("--tls-ca");
    }

    @Test
    void plaintextBindsToLoopbackUnlessBindSaysOtherwise() {
        ServerSecurity plain = parse("--plaintext").server(false);
        assertThat(plain.isPlaintext()).isTrue();
        assertThat(ServerCommand.bindAddress(null, plain)).isEqualTo("127.0.0.1");
        assertThat(ServerCommand.bindAddress("0.0.0.0", plain)).isEqualTo("0.0.0.0");
        Path ca = Certificates.ca(tmp, "ca");
        Path cert = Certificates.server(tmp, ca, "server");
        ServerSecurity tls = parse("--tls-cert", cert.toString(), "--tls-key", Certificates.key(cert).toString())
                .server(false);
        assertThat(tls.isPlaintext()).isFalse();
        assertThat(ServerCommand.bindAddress(null, tls)).isEqualTo("0.0.0.0");
        ServerSecurity mtls = parse("--tls-cert", cert.toString(), "--tls-key", Certificates.key(cert).toString(),
                "--tls-ca", ca.toString()).server(true);
        assertThat(mtls.requiresClientCertificates()).isTrue();
    }

    @Test
    void contradictionsAreRefused() {
        assertThatThrownBy(() -> parse("--plaintext", "--tls-ca", "ca.pem").server(false))
                .hasMessageContaining("--plaintext contradicts");
        assertThatThrownBy(() -> parse("--plaintext").server(true)).hasMessageContaining("--plaintext contradicts");
        assertThatThrownBy(() -> parse("--tls-cert", "a.pem").client()).hasMessageContaining("--tls-ca");
    }
}
