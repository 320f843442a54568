package io.github.layershuffle.onnx.runtime;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@link RuntimeOptions#signatureKeys()}: an export loads only if its {@code manifest.json.sig} is a valid
 * Ed25519 signature, by one of the keys, of the very manifest bytes that are then parsed.
 */
final class ExportSignatures {
    private static final Logger LOG = LoggerFactory.getLogger(ExportSignatures.class);

    private ExportSignatures() {
    }

    /**
     * Checks the signature of {@code manifest}, the bytes of the export's {@code manifest.json} as read, when
     * {@code options} require one; call it before the manifest is parsed.
     *
     * @return the key that signed the manifest, or {@code null} if the options require no signature
     * @throws LayerShuffleException naming the export, if it is unsigned, its signature file is not
     *                               {@value ExportSignature#LENGTH} bytes, or the signature is not valid under any
     *                               of the keys (signed by another key, or the manifest or the signature changed
     *                               after signing)
     */
    static PublicKey check(ExportSource source, String label, byte[] manifest, RuntimeOptions options) {
        List<PublicKey> keys = options.signatureKeys();
        if (keys.isEmpty()) {
            return null;
        }
        Optional<byte[]> signature = source.readOptional(ExportSignature.FILE_NAME, ExportSignature.LENGTH);
        if (signature.isEmpty()) {
            throw new LayerShuffleException("export " + label + " is not signed (it has no "
                    + ExportSignature.FILE_NAME + ") but the runtime options require a signature by " + describe(keys)
                    + "; sign it with 'layershuffle export --sign KEY.pem'");
        }
        byte[] sig = signature.get();
        if (sig.length != ExportSignature.LENGTH) {
            throw new LayerShuffleException("export " + label + ": " + ExportSignature.FILE_NAME + " has "
                    + sig.length + " bytes, expected the " + ExportSignature.LENGTH + " of an Ed25519 signature");
        }
        PublicKey signer = ExportSignature.signer(manifest, sig, keys).orElseThrow(() -> new LayerShuffleException(
                "export " + label + ": the signature in " + ExportSignature.FILE_NAME + " does not verify under "
                        + describe(keys) + ": the export was signed by another key, or " + Manifest.FILE_NAME
                        + " or its signature was changed after signing"));
        LOG.debug("export {}: manifest signed by key {}", label, ExportKeys.fingerprint(signer));
        return signer;
    }

    /**
     * Checks that an export loaded earlier, whose manifest was verified under {@code signer} ({@code null}: not
     * verified), satisfies {@code options}; for exports a composition takes from a loaded model.
     *
     * @throws LayerShuffleException naming the export, if the options require a signature and {@code signer} is
     *                               not one of their keys
     */
    static void checkLoaded(String label, PublicKey signer, RuntimeOptions options) {
        List<PublicKey> keys = options.signatureKeys();
        if (keys.isEmpty() || signer != null && keys.stream().anyMatch(k -> sameKey(k, signer))) {
            return;
        }
        throw new LayerShuffleException("export " + label + " was loaded "
                + (signer == null ? "without a signature check" : "verified under another key ("
                + ExportKeys.fingerprint(signer) + ")") + " but the runtime options require a signature by "
                + describe(keys) + "; load it with these options");
    }

    /** The keys as validated copies; the ones {@link RuntimeOptions.Builder#requireSignature} keeps. */
    static List<PublicKey> validKeys(PublicKey... keys) {
        if (keys == null || keys.length == 0) {
            throw new IllegalArgumentException("requireSignature needs at least one Ed25519 public key");
        }
        return Arrays.stream(keys).map(k -> ExportKeys.requireEd25519(
                Objects.requireNonNull(k, "key"))).toList();
    }

    private static boolean sameKey(PublicKey a, PublicKey b) {
        return Arrays.equals(a.getEncoded(), b.getEncoded());
    }

    static String describe(List<PublicKey> keys) {
        return (keys.size() == 1 ? "the key " : "one of the keys ")
                + keys.stream().map(ExportKeys::fingerprint).toList();
    }
}
