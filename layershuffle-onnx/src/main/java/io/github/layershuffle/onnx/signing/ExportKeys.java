package io.github.layershuffle.onnx.signing;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ed25519 key pairs for signing exports, as standard PEM files: the private key as unencrypted PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}), the public key as X.509 SubjectPublicKeyInfo
 * ({@code -----BEGIN PUBLIC KEY-----}), the forms {@code openssl genpkey -algorithm ed25519} and
 * {@code openssl pkey -pubout} write. Keys are the JDK's own ({@code KeyFactory.getInstance("Ed25519")}).
 *
 * <pre>{@code
 * KeyPair pair = ExportKeys.generate();
 * ExportKeys.writePrivateKey(pair.getPrivate(), Path.of("keys/signing-key.pem"));     // owner-only
 * ExportKeys.writePublicKey(pair.getPublic(), Path.of("keys/signing-key.pub.pem"));
 * PublicKey trusted = ExportKeys.readPublicKey(Path.of("keys/signing-key.pub.pem"));
 * System.out.println(ExportKeys.fingerprint(trusted));
 * }</pre>
 */
public final class ExportKeys {
    /** The most bytes a key file may have; an Ed25519 key's PEM has about 120. */
    public static final int MAX_PEM_BYTES = 16 << 10;
    /** The algorithm of every key: {@code Ed25519}. */
    public static final String ALGORITHM = "Ed25519";

    private static final Logger LOG = LoggerFactory.getLogger(ExportKeys.class);
    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";

    private ExportKeys() {
    }

    /** A fresh Ed25519 key pair from the JDK's default secure random source. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java 15+ platform has Ed25519", e);
        }
    }

    /**
     * Reads an unencrypted PKCS#8 Ed25519 private key PEM file. Logs a warning when, on a POSIX file system, others
     * than the owner may read it.
     *
     * @throws LayerShuffleException naming the file, if it is missing, not a regular file, over
     *                               {@value #MAX_PEM_BYTES} bytes, not PEM, or not an Ed25519 private key
     */
    public static PrivateKey readPrivateKey(Path file) {
        PrivateKey key = parsePrivateKey(readPem(file, "private key"), file.toString());
        warnIfShared(file);
        return key;
    }

    /**
     * Reads an X.509 SubjectPublicKeyInfo Ed25519 public key PEM file.
     *
     * @throws LayerShuffleException naming the file, if it is missing, not a regular file, over
     *                               {@value #MAX_PEM_BYTES} bytes, not PEM, or not an Ed25519 public key
     */
    public static PublicKey readPublicKey(Path file) {
        return parsePublicKey(readPem(file, "public key"), file.toString());
    }

    /**
     * Parses the PEM text of an unencrypted PKCS#8 Ed25519 private key.
     *
     * @param source names the text in messages, e.g. its file or environment variable
     * @throws LayerShuffleException naming {@code source}, if the text is over {@value #MAX_PEM_BYTES} characters,
     *                               not PEM, or not an Ed25519 private key
     */
    public static PrivateKey parsePrivateKey(String pem, String source) {
        byte[] der = Pem.decode(checkLength(pem, source), PRIVATE_LABEL, source);
        try {
            return factory().generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new LayerShuffleException(source + ": not an Ed25519 PKCS#8 private key: " + e.getMessage(), e);
        }
    }

    /**
     * Parses the PEM text of an X.509 SubjectPublicKeyInfo Ed25519 public key.
     *
     * @param source names the text in messages, e.g. its file or environment variable
     * @throws LayerShuffleException naming {@code source}, if the text is over {@value #MAX_PEM_BYTES} characters,
     *                               not PEM, or not an Ed25519 public key
     */
    public static PublicKey parsePublicKey(String pem, String source) {
        byte[] der = Pem.decode(checkLength(pem, source), PUBLIC_LABEL, source);
        return publicKey(der, source);
    }

    /**
     * {@code key} as the JDK's own Ed25519 key, whatever provider made it.
     *
     * @throws IllegalArgumentException if {@code key} is not an Ed25519 public key in X.509 encoding
     */
    public static PublicKey requireEd25519(PublicKey key) {
        Objects.requireNonNull(key, "key");
        byte[] der = key.getEncoded();
        if (der == null || !"X.509".equals(key.getFormat())) {
            throw new IllegalArgumentException("expected an Ed25519 public key in X.509 encoding, got a "
                    + key.getAlgorithm() + " key in " + key.getFormat() + " encoding");
        }
        try {
            return factory().generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("expected an Ed25519 public key, got a " + key.getAlgorithm()
                    + " key: " + e.getMessage(), e);
        }
    }

    /**
     * {@code key} as the JDK's own Ed25519 key, whatever provider made it.
     *
     * @throws IllegalArgumentException if {@code key} is not an Ed25519 private key in PKCS#8 encoding
     */
    public static PrivateKey requireEd25519(PrivateKey key) {
        Objects.requireNonNull(key, "key");
        byte[] der = key.getEncoded();
        if (der == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("expected an Ed25519 private key in PKCS#8 encoding, got a "
                    + key.getAlgorithm() + " key in " + key.getFormat() + " encoding");
        }
        try {
            return factory().generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("expected an Ed25519 private key, got a " + key.getAlgorithm()
                    + " key: " + e.getMessage(), e);
        }
    }

    /**
     * The key's fingerprint: the lower-case hex SHA-256 of its DER SubjectPublicKeyInfo, as
     * {@code openssl pkey -pubin -in KEY.pub.pem -outform DER | sha256sum} prints it.
     *
     * @throws IllegalArgumentException as {@link #requireEd25519(PublicKey)}
     */
    public static String fingerprint(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(requireEd25519(key).getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * Writes {@code key} as a PKCS#8 PEM file readable by its owner only (permissions 600 on a POSIX file system;
     * elsewhere the directory's default access applies). The file appears complete or not at all, and an existing
     * file is never replaced.
     *
     * @throws IllegalArgumentException as {@link #requireEd25519(PrivateKey)}
     * @throws LayerShuffleException    naming the file, if it exists or cannot be written
     */
    public static void writePrivateKey(PrivateKey key, Path file) {
        write(file, Pem.encode(PRIVATE_LABEL, requireEd25519(key).getEncoded()), false);
    }

    /**
     * Writes {@code key} as an X.509 SubjectPublicKeyInfo PEM file (permissions 644 on a POSIX file system). The
     * file appears complete or not at all, and an existing file is never replaced.
     *
     * @throws IllegalArgumentException as {@link #requireEd25519(PublicKey)}
     * @throws LayerShuffleException    naming the file, if it exists or cannot be written
     */
    public static void writePublicKey(PublicKey key, Path file) {
        write(file, Pem.encode(PUBLIC_LABEL, requireEd25519(key).getEncoded()), true);
    }

    static PublicKey publicKey(byte[] der, String source) {
        try {
            return factory().generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new LayerShuffleException(source + ": not an Ed25519 X.509 public key: " + e.getMessage(), e);
        }
    }

    private static KeyFactory factory() {
        try {
            return KeyFactory.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java 15+ platform has Ed25519", e);
        }
    }

    private static String checkLength(String pem, String source) {
        Objects.requireNonNull(pem, "pem");
        Objects.requireNonNull(source, "source");
        if (pem.length() > MAX_PEM_BYTES) {
            throw new LayerShuffleException(source + ": " + pem.length() + " characters is over the limit of "
                    + MAX_PEM_BYTES + " for a key PEM");
        }
        return pem;
    }

    private static String readPem(Path file, String what) {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new LayerShuffleException("cannot read the " + what + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new LayerShuffleException("cannot read the " + what + " " + file + ": not a regular file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_PEM_BYTES + 1);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read the " + what + " " + file + ": " + e, e);
        }
        if (bytes.length > MAX_PEM_BYTES) {
            throw new LayerShuffleException("the " + what + " " + file + " is over the limit of " + MAX_PEM_BYTES
                    + " bytes for a key PEM");
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static void warnIfShared(Path file) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = view.readAttributes().permissions();
            perms.removeAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE));
            if (!perms.isEmpty()) {
                LOG.warn("private key {} is accessible to others than its owner ({}); chmod 600 it", file,
                        PosixFilePermissions.toString(view.readAttributes().permissions()));
            }
        } catch (IOException e) {
            LOG.debug("cannot read the permissions of {}: {}", file, e.toString());
        }
    }

    /** A temporary sibling (owner-only, as the JDK creates them on POSIX), linked or moved into place. */
    private static void write(Path file, String pem, boolean publicFile) {
        Objects.requireNonNull(file, "file");
        Path target = file.toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new LayerShuffleException("key file " + file + " already exists; refusing to replace a key");
        }
        try {
            Path dir = target.getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    OutputStream out = Channels.newOutputStream(ch);
                    out.write(pem.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    ch.force(true);
                }
                PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
                if (view != null) {
                    view.setPermissions(PosixFilePermissions.fromString(publicFile ? "rw-r--r--" : "rw-------"));
                }
                placeWithoutReplacing(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (FileAlreadyExistsException e) {
            throw new LayerShuffleException("key file " + file + " already exists; refusing to replace a key", e);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write key file " + file + ": " + e, e);
        }
    }

    /** A hard link is atomic and fails if the target exists; where links are not supported, a plain move. */
    private static void placeWithoutReplacing(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.move(tmp, target);
        }
    }
}
