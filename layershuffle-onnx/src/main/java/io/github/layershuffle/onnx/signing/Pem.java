package io.github.layershuffle.onnx.signing;

import io.github.layershuffle.api.LayerShuffleException;
import java.util.Base64;

/**
 * The textual encoding of RFC 7468 for one DER structure: {@code -----BEGIN LABEL-----}, base64 lines,
 * {@code -----END LABEL-----}. Written here because the JDK 17 has no PEM API and the format is a few lines; a
 * library such as Bouncy Castle would add a large dependency for them.
 */
final class Pem {
    private static final int LINE = 64;

    private Pem() {
    }

    /** The PEM text of {@code der} under {@code label}, lines of 64 characters, ending in a newline. */
    static String encode(String label, byte[] der) {
        String body = Base64.getEncoder().encodeToString(der);
        StringBuilder sb = new StringBuilder("-----BEGIN ").append(label).append("-----\n");
        for (int i = 0; i < body.length(); i += LINE) {
            sb.append(body, i, Math.min(body.length(), i + LINE)).append('\n');
        }
        return sb.append("-----END ").append(label).append("-----\n").toString();
    }

    /**
     * The DER bytes of the first PEM block of {@code text}, which must carry {@code label}. Text before the block
     * is ignored, as RFC 7468 allows; the body must be strict base64 without headers.
     *
     * @param source names the text in messages, e.g. its file
     * @throws LayerShuffleException naming {@code source}, if there is no block, its label is another, its end
     *                               line is missing or its body is not base64
     */
    static byte[] decode(String text, String label, String source) {
        String[] lines = text.split("\\R", -1);
        int begin = -1;
        for (int i = 0; i < lines.length && begin < 0; i++) {
            if (lines[i].strip().startsWith("-----BEGIN ")) {
                begin = i;
            }
        }
        if (begin < 0) {
            throw new LayerShuffleException(source + ": not a PEM file: no '-----BEGIN " + label + "-----' line");
        }
        String first = lines[begin].strip();
        if (!first.endsWith("-----") || first.length() < "-----BEGIN -----".length()) {
            throw new LayerShuffleException(source + ": malformed PEM line '" + shorten(first) + "'");
        }
        String found = first.substring("-----BEGIN ".length(), first.length() - "-----".length());
        if (!found.equals(label)) {
            throw new LayerShuffleException(source + ": holds a PEM '" + shorten(found) + "', expected '" + label
                    + "'" + hint(found));
        }
        String end = "-----END " + label + "-----";
        StringBuilder body = new StringBuilder();
        for (int i = begin + 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.equals(end)) {
                try {
                    return Base64.getDecoder().decode(body.toString());
                } catch (IllegalArgumentException e) {
                    throw new LayerShuffleException(source + ": the body of the PEM '" + label
                            + "' is not base64: " + e.getMessage(), e);
                }
            }
            if (line.contains(":")) {
                throw new LayerShuffleException(source + ": PEM headers such as '" + shorten(line)
                        + "' are not supported (an encrypted key?); expected an unencrypted '" + label + "'");
            }
            body.append(line);
        }
        throw new LayerShuffleException(source + ": the PEM '" + label + "' has no '" + end + "' line");
    }

    private static String hint(String found) {
        if (found.equals("ENCRYPTED PRIVATE KEY")) {
            return "; encrypted keys are not supported, decrypt it with 'openssl pkey -in KEY -out PLAIN.pem'";
        }
        return "; make an Ed25519 key pair with 'layershuffle keygen' or 'openssl genpkey -algorithm ed25519'";
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
