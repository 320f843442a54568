package io.github.layershuffle.samples.swarm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the {@code openssl} command line (OpenSSL 3; the JDK has no public X.509 builder):
 * EC P-256 keys in PKCS#8 PEM, certificates valid for two days. A server certificate names {@code IP:127.0.0.1}.
 */
public final class Certificates {

    private Certificates() {
    }

    /** A CA: {@code name.pem} and {@code name.key} in {@code dir}. */
    public static Path ca(Path dir, String name) {
        Path key = dir.resolve(name + ".key");
        Path pem = dir.resolve(name + ".pem");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", pem.toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return pem;
    }

    /** A server certificate for 127.0.0.1 signed by {@code ca}: {@code name.pem}, {@code name.key}. */
    public static Path server(Path dir, Path ca, String name) {
        return leaf(dir, ca, name, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    }

    /** A server certificate for the DNS name {@code dns} only, signed by {@code ca}. */
    public static Path serverNamed(Path dir, Path ca, String name, String dns) {
        return leaf(dir, ca, name, "subjectAltName=DNS:" + dns + "\nextendedKeyUsage=serverAuth\n");
    }

    /** A client certificate signed by {@code ca}: {@code name.pem}, {@code name.key}. */
    public static Path client(Path dir, Path ca, String name) {
        return leaf(dir, ca, name, "extendedKeyUsage=clientAuth\n");
    }

    /** The key next to a certificate made here. */
    public static Path key(Path pem) {
        String n = pem.getFileName().toString();
        return pem.resolveSibling(n.substring(0, n.length() - 4) + ".key");
    }

    private static Path leaf(Path dir, Path ca, String name, String extensions) {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path pem = dir.resolve(name + ".pem");
        Path ext = dir.resolve(name + ".ext");
        try {
            Files.writeString(ext, extensions, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", key(ca).toString(),
                "-CAcreateserial", "-out", pem.toString(), "-days", "2", "-extfile", ext.toString());
        return pem;
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl did not finish in 30 s: " + command);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("openssl failed (" + p.exitValue() + "): " + command + "\n"
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl (the TLS tests need it on the PATH)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
