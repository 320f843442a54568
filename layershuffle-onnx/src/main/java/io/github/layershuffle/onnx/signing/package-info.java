/**
 * Signed exports: Ed25519 key pairs as standard PEM files ({@link io.github.layershuffle.onnx.signing.ExportKeys})
 * and the detached signature of an export's manifest
 * ({@link io.github.layershuffle.onnx.signing.ExportSignature}, {@code manifest.json.sig}). The exporter signs
 * with {@code OnnxExporter.Builder.optSigningKey}; the runtime checks with
 * {@code RuntimeOptions.Builder.requireSignature}. Everything here is the JDK's own EdDSA ({@code Ed25519}); what a
 * signature proves and what it does not is in {@code docs/FORMATS.md}.
 *
 * <pre>{@code
 * KeyPair pair = ExportKeys.generate();
 * ExportKeys.writePrivateKey(pair.getPrivate(), Path.of("keys/signing-key.pem"));
 * ExportKeys.writePublicKey(pair.getPublic(), Path.of("keys/signing-key.pub.pem"));
 * PublicKey trusted = ExportKeys.readPublicKey(Path.of("keys/signing-key.pub.pem"));
 * }</pre>
 */
package io.github.layershuffle.onnx.signing;
