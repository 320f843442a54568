package io.github.layershuffle.samples.swarm.security;

import io.github.layershuffle.api.LayerShuffleException;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a block server protects its port: TLS with its own certificate (PEM), optionally mutual TLS (clients must
 * present a certificate signed by a trusted CA), optionally a bearer token every call must carry; or plaintext,
 * which only an explicit {@link #plaintext()} gives.
 *
 * <pre>{@code
 * ServerSecurity s = ServerSecurity.tls(Path.of("server.pem"), Path.of("server.key"))
 *         .requireClientCertificates(Path.of("ca.pem"))
 *         .withBearerToken(BearerToken.read(Path.of("token")));
 * }</pre>
 *
 * <p>TLS is grpc-netty-shaded's own ({@link TlsServerCredentials}): the key must be PKCS#8 PEM
 * ({@code -----BEGIN PRIVATE KEY-----}, what {@code openssl genpkey} writes). Immutable; the {@code with*} methods
 * return new instances.
 */
public final class ServerSecurity {
    private final Path certChain;
    private final Path privateKey;
    private final Path clientCa;
    private final BearerToken token;

    private ServerSecurity(Path certChain, Path privateKey, Path clientCa, BearerToken token) {
        this.certChain = certChain;
        this.privateKey = privateKey;
        this.clientCa = clientCa;
        this.token = token;
    }

    /** No TLS: anyone who can reach the port can read and forge the traffic. For loopback and tests. */
    public static ServerSecurity plaintext() {
        return new ServerSecurity(null, null, null, null);
    }

    /**
     * TLS with this certificate chain and private key, both PEM files.
     *
     * @throws LayerShuffleException if either file is not a readable regular file, naming it
     */
    public static ServerSecurity tls(Path certChain, Path privateKey) {
        return new ServerSecurity(readable(certChain, "TLS certificate"), readable(privateKey, "TLS private key"),
                null, null);
    }

    /**
     * Mutual TLS: a client must present a certificate signed by a CA in {@code trustedCa} (PEM), or its handshake
     * fails.
     *
     * @throws IllegalStateException if this is {@link #plaintext()}
     * @throws LayerShuffleException if the file is not readable, naming it
     */
    public ServerSecurity requireClientCertificates(Path trustedCa) {
        if (isPlaintext()) {
            throw new IllegalStateException("client certificates need TLS: give the server a certificate and key "
                    + "first (ServerSecurity.tls, --tls-cert and --tls-key)");
        }
        return new ServerSecurity(certChain, privateKey, readable(trustedCa, "TLS client CA"), token);
    }

    /** Every call to the block service must carry {@code authorization: Bearer <token>}; others get UNAUTHENTICATED. */
    public ServerSecurity withBearerToken(BearerToken token) {
        return new ServerSecurity(certChain, privateKey, clientCa, Objects.requireNonNull(token, "token"));
    }

    /** Whether the port speaks plaintext. */
    public boolean isPlaintext() {
        return certChain == null;
    }

    /** Whether clients must present a certificate. */
    public boolean requiresClientCertificates() {
        return clientCa != null;
    }

    /** The token calls must carry, if any. */
    public Optional<BearerToken> token() {
        return Optional.ofNullable(token);
    }

    /**
     * The gRPC credentials of this setting.
     *
     * @throws LayerShuffleException if a PEM file cannot be read or parsed, naming it
     */
    public ServerCredentials credentials() {
        if (isPlaintext()) {
            return InsecureServerCredentials.create();
        }
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder();
        try {
            b.keyManager(certChain.toFile(), privateKey.toFile());
        } catch (IOException | RuntimeException e) {
            throw new LayerShuffleException("cannot use TLS certificate " + certChain + " with key " + privateKey
                    + " (PEM, the key in PKCS#8): " + e.getMessage(), e);
        }
        if (clientCa != null) {
            try {
                b.trustManager(clientCa.toFile());
            } catch (IOException | RuntimeException e) {
                throw new LayerShuffleException("cannot use TLS client CA " + clientCa + " (PEM): " + e.getMessage(),
                        e);
            }
            b.clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        return b.build();
    }

    static Path readable(Path file, String what) {
        Objects.requireNonNull(file, what);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new LayerShuffleException(what + " " + file + " is not a readable file");
        }
        return file;
    }

    /** e.g. {@code mTLS (certificate server.pem, key server.key, client CA ca.pem) + token}, {@code plaintext}. */
    @Override
    public String toString() {
        String s = isPlaintext() ? "plaintext" : (clientCa != null ? "mTLS" : "TLS") + " (certificate " + certChain
                + ", key " + privateKey + (clientCa != null ? ", client CA " + clientCa : "") + ")";
        return token != null ? s + " + token" : s;
    }
}
