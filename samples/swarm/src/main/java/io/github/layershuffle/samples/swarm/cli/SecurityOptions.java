package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.samples.swarm.security.BearerToken;
import io.github.layershuffle.samples.swarm.security.ClientSecurity;
import io.github.layershuffle.samples.swarm.security.ServerSecurity;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The transport options of {@code server} and {@code classify}: TLS from PEM files, or an explicit
 * {@code --plaintext}; neither is an error, so that nobody serves plaintext by accident.
 */
final class SecurityOptions {

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "This side's certificate chain (server: required for TLS; client: for mutual TLS).")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The private key of --tls-cert, PKCS#8 PEM.")
    Path key;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "CA certificates to trust (client: the servers' CA, required for TLS; server: the "
                    + "clients' CA, with --require-client-cert).")
    Path ca;

    @Option(names = "--tls-server-name", paramLabel = "NAME",
            description = "Client: check server certificates against this name instead of the address dialled "
                    + "(pod IPs behind a headless Service).")
    String serverName;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "A bearer token (first line of the file) that every call must carry / carries.")
    Path tokenFile;

    @Option(names = "--plaintext",
            description = "No TLS: traffic can be read and forged by anyone on the path. Servers then bind to "
                    + "127.0.0.1 unless --bind says otherwise.")
    boolean plaintext;

    /**
     * The server's setting.
     *
     * @throws IllegalArgumentException if neither TLS files nor --plaintext were given, or they contradict
     */
    ServerSecurity server(boolean requireClientCert) {
        ServerSecurity s;
        if (plaintext) {
            refuse(cert != null || key != null || ca != null || requireClientCert,
                    "--plaintext contradicts --tls-cert, --tls-key, --tls-ca and --require-client-cert");
            s = ServerSecurity.plaintext();
        } else {
            refuse(cert == null || key == null, "a server needs --tls-cert and --tls-key (PEM), or an explicit "
                    + "--plaintext");
            refuse(requireClientCert != (ca != null), "--require-client-cert and --tls-ca (the clients' CA) go "
                    + "together");
            s = ServerSecurity.tls(cert, key);
            if (requireClientCert) {
                s = s.requireClientCertificates(ca);
            }
        }
        return tokenFile == null ? s : s.withBearerToken(BearerToken.read(tokenFile));
    }

    /**
     * The client's setting.
     *
     * @throws IllegalArgumentException if neither --tls-ca nor --plaintext was given, or they contradict
     */
    ClientSecurity client() {
        ClientSecurity s;
        if (plaintext) {
            refuse(cert != null || key != null || ca != null || serverName != null, "--plaintext contradicts "
                    + "--tls-cert, --tls-key, --tls-ca and --tls-server-name");
            s = ClientSecurity.plaintext();
        } else {
            refuse(ca == null, "a client needs --tls-ca (the servers' CA, PEM), or an explicit --plaintext");
            refuse((cert == null) != (key == null), "--tls-cert and --tls-key (a client certificate) go together");
            s = ClientSecurity.tls(ca);
            if (cert != null) {
                s = s.withClientCertificate(cert, key);
            }
            if (serverName != null) {
                s = s.withServerName(serverName);
            }
        }
        return tokenFile == null ? s : s.withBearerToken(BearerToken.read(tokenFile));
    }

    private static void refuse(boolean bad, String message) {
        if (bad) {
            throw new IllegalArgumentException(message);
        }
    }
}
