package io.github.layershuffle.onnx.signing;

import io.github.layershuffle.api.LayerShuffleException;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The detached signature of an export: {@code manifest.json.sig} beside {@code manifest.json}, the 64 raw bytes of
 * the Ed25519 signature (RFC 8032) of the manifest file's exact bytes. The manifest holds every graph file's
 * SHA-256, so the signature covers every file it lists. Any Ed25519 tool verifies it, e.g.
 * {@code openssl pkeyutl -verify -pubin -inkey KEY.pub.pem -rawin -in manifest.json -sigfile manifest.json.sig}.
 *
 * <pre>{@code
 * byte[] manifest = Files.readAllBytes(dir.resolve("manifest.json"));
 * byte[] signature = ExportSignature.sign(manifest, privateKey);
 * Optional<PublicKey> signer = ExportSignature.signer(manifest, signature, List.of(trustedKey));
 * }</pre>
 */
public final class ExportSignature {
    /** The signature's file name inside an export directory. */
    public static final String FILE_NAME = "manifest.json.sig";
    /** The length of an Ed25519 signature and so of the file: 64 bytes. */
    public static final int LENGTH = 64;

    private ExportSignature() {
    }

    /**
     * The Ed25519 signature of {@code manifest}, {@value #LENGTH} bytes.
     *
     * @throws IllegalArgumentException as {@link ExportKeys#requireEd25519(PrivateKey)}
     */
    public static byte[] sign(byte[] manifest, PrivateKey key) {
        Objects.requireNonNull(manifest, "manifest");
        PrivateKey k = ExportKeys.requireEd25519(key);
        try {
            Signature s = Signature.getInstance(ExportKeys.ALGORITHM);
            s.initSign(k);
            s.update(manifest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new LayerShuffleException("cannot sign the manifest with Ed25519: " + e.getMessage(), e);
        }
    }

    /**
     * The first of {@code trusted} under which {@code signature} is a valid signature of {@code manifest}, or empty
     * if there is none: the manifest was signed by another key, or it or the signature was changed after signing.
     * A signature of the wrong length or a malformed one is not valid under any key.
     *
     * @throws IllegalArgumentException if a trusted key is not an Ed25519 public key
     */
    public static Optional<PublicKey> signer(byte[] manifest, byte[] signature,
                                             Collection<? extends PublicKey> trusted) {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(signature, "signature");
        List<PublicKey> keys = List.copyOf(trusted);
        keys.forEach(ExportKeys::requireEd25519);
        if (signature.length != LENGTH) {
            return Optional.empty();
        }
        for (PublicKey key : keys) {
            if (verifies(manifest, signature, ExportKeys.requireEd25519(key))) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    private static boolean verifies(byte[] manifest, byte[] signature, PublicKey key) {
        Signature s;
        try {
            s = Signature.getInstance(ExportKeys.ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java 15+ platform has Ed25519", e);
        }
        try {
            s.initVerify(key);
            s.update(manifest);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a malformed signature (e.g. s >= L) is refused by the JDK with an exception
        }
    }
}
