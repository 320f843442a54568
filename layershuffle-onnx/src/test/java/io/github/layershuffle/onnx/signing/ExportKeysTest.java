package io.github.layershuffle.onnx.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PEM key files: round trips, interoperability with other tools' keys, and refusal of bad files. */
class ExportKeysTest {
    /** The example key pair of RFC 8410, sections 10.1 and 10.3. */
    static final String RFC_PRIVATE = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
            -----END PRIVATE KEY-----
            """;
    static final String RFC_PUBLIC = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
            -----END PUBLIC KEY-----
            """;

    @TempDir
    Path tmp;

    @Test
    void keysRoundTripThroughPemFiles() {
        KeyPair pair = ExportKeys.generate();
        Path priv = tmp.resolve("keys/k.pem");
        Path pub = tmp.resolve("keys/k.pub.pem");
        ExportKeys.writePrivateKey(pair.getPrivate(), priv);
        ExportKeys.writePublicKey(pair.getPublic(), pub);
        assertThat(ExportKeys.readPrivateKey(priv).getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
        assertThat(ExportKeys.readPublicKey(pub).getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        assertThat(ExportKeys.fingerprint(ExportKeys.readPublicKey(pub)))
                .isEqualTo(ExportKeys.fingerprint(pair.getPublic())).hasSize(64);
        try (var dir = Files.list(tmp.resolve("keys"))) {
            assertThat(dir).hasSize(2); // no temporary file left behind
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void privateKeyFilesAreOwnerOnly() throws Exception {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "file permissions are POSIX only");
        KeyPair pair = ExportKeys.generate();
        ExportKeys.writePrivateKey(pair.getPrivate(), tmp.resolve("k.pem"));
        ExportKeys.writePublicKey(pair.getPublic(), tmp.resolve("k.pub.pem"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("k.pem"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("k.pub.pem"))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void anExistingKeyFileIsNeverReplaced() throws Exception {
        Path priv = tmp.resolve("k.pem");
        Files.writeString(priv, "the old key");
        assertThatThrownBy(() -> ExportKeys.writePrivateKey(ExportKeys.generate().getPrivate(), priv))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining(priv.toString())
                .hasMessageContaining("already exists");
        assertThat(Files.readString(priv)).isEqualTo("the old key");
    }

    /** Keys and signatures of other tools: RFC 8410's example pair, checked with OpenSSL 3 (fingerprint, signature). */
    @Test
    void readsStandardKeysAndSignsAsOtherEd25519ToolsDo() {
        PrivateKey priv = ExportKeys.parsePrivateKey(RFC_PRIVATE, "rfc8410.pem");
        PublicKey pub = ExportKeys.parsePublicKey(RFC_PUBLIC, "rfc8410.pub.pem");
        // openssl pkey -pubin -in rfc8410.pub.pem -outform DER | sha256sum
        assertThat(ExportKeys.fingerprint(pub))
                .isEqualTo("a1e9156054e04fac899ae9f275132cdc07a5dbc4ea2c2ad3a1ffc6e0d253681f");
        byte[] message = "layershuffle".getBytes(StandardCharsets.US_ASCII);
        // openssl pkeyutl -sign -inkey rfc8410.pem -rawin -in message (Ed25519 is deterministic)
        assertThat(Base64.getEncoder().encodeToString(ExportSignature.sign(message, priv))).isEqualTo(
                "UJuDSZ2EmZ6x0Jw32mT3uTI76zhrkvnrGLjeI9H+vrv4YITCXQ2QkDH0fnWXtut5rb6zTu/7ULGAJTs5pp5mAQ==");
        assertThat(ExportSignature.signer(message, ExportSignature.sign(message, priv), List.of(pub))).contains(pub);
        // explanatory text before the block is allowed (RFC 7468)
        assertThat(ExportKeys.parsePublicKey("my signing key\n" + RFC_PUBLIC, "k").getEncoded())
                .isEqualTo(pub.getEncoded());
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty", "not-pem", "public-as-private", "encrypted", "bad-base64", "no-end",
        "headers", "not-a-key", "rsa", "ed448"})
    void badPrivateKeyPemIsRefusedNamingTheFile(String fault) throws Exception {
        Path file = tmp.resolve(fault + ".pem");
        Files.writeString(file, badPem(fault));
        assertThatThrownBy(() -> ExportKeys.readPrivateKey(file)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void badPemMessagesSayWhatIsWrong() throws Exception {
        assertThatThrownBy(() -> ExportKeys.parsePrivateKey(RFC_PUBLIC, "k.pem"))
                .hasMessageContaining("'PUBLIC KEY', expected 'PRIVATE KEY'");
        assertThatThrownBy(() -> ExportKeys.parsePrivateKey(badPem("encrypted"), "k.pem"))
                .hasMessageContaining("encrypted keys are not supported");
        assertThatThrownBy(() -> ExportKeys.parsePrivateKey(badPem("rsa"), "k.pem"))
                .hasMessageContaining("not an Ed25519 PKCS#8 private key");
        assertThatThrownBy(() -> ExportKeys.parsePublicKey(badPem("no-end").replace("PRIVATE", "PUBLIC"), "k.pem"))
                .hasMessageContaining("no '-----END PUBLIC KEY-----' line");
        assertThatThrownBy(() -> ExportKeys.parsePublicKey("", "k.pem")).hasMessageContaining("not a PEM file");
    }

    @Test
    void keyFilesAreBoundedAndMustBeRegularFiles() throws Exception {
        Path big = tmp.resolve("big.pem");
        Files.writeString(big, "x".repeat(ExportKeys.MAX_PEM_BYTES) + "\n" + RFC_PUBLIC);
        assertThatThrownBy(() -> ExportKeys.readPublicKey(big)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(big.toString()).hasMessageContaining("limit of " + ExportKeys.MAX_PEM_BYTES);
        assertThatThrownBy(() -> ExportKeys.parsePublicKey(Files.readString(big), "env:KEY"))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("env:KEY");
        assertThatThrownBy(() -> ExportKeys.readPublicKey(tmp)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> ExportKeys.readPublicKey(tmp.resolve("missing.pem")))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("no such file");
    }

    @Test
    void keysOfOtherAlgorithmsAreRefusedAsArguments() throws Exception {
        KeyPair rsa = rsa();
        assertThatThrownBy(() -> ExportKeys.requireEd25519(rsa.getPublic()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
        assertThatThrownBy(() -> ExportSignature.sign(new byte[1], rsa.getPrivate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        assertThatThrownBy(() -> ExportKeys.writePublicKey(ed448.getPublic(), tmp.resolve("k.pub.pem")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(tmp.resolve("k.pub.pem")).doesNotExist();
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        return g.generateKeyPair();
    }

    private static String badPem(String fault) throws Exception {
        return switch (fault) {
            case "empty" -> "";
            case "not-pem" -> "just some text\n";
            case "public-as-private" -> RFC_PUBLIC;
            case "encrypted" -> RFC_PRIVATE.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
            case "bad-base64" -> RFC_PRIVATE.replace("MC4C", "MC*C");
            case "no-end" -> RFC_PRIVATE.substring(0, RFC_PRIVATE.indexOf("-----END"));
            case "headers" -> RFC_PRIVATE.replace("-----\nMC4", "-----\nProc-Type: 4,ENCRYPTED\nMC4");
            case "not-a-key" -> Pem.encode("PRIVATE KEY", new byte[] {48, 3, 2, 1, 0});
            case "rsa" -> Pem.encode("PRIVATE KEY",
                    rsa().getPrivate().getEncoded());
            case "ed448" -> Pem.encode("PRIVATE KEY",
                    KeyPairGenerator.getInstance("Ed448").generateKeyPair().getPrivate().getEncoded());
            default -> throw new IllegalArgumentException(fault);
        };
    }
}
