package io.github.layershuffle.onnx.runtime;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the files of one export come from: a directory or a classpath resource directory.
 *
 * <p>A directory's files are untrusted: a file must resolve, symbolic links followed, to a regular file directly
 * inside the directory's real path, and no more than the caller's limit is ever read. A FIFO, a device or a
 * directory is refused before it is opened, so it cannot hang or exhaust the loader; a link that leaves the
 * directory is refused without reading its target, and no message tells anything about the target. (The check
 * comes just before the open: a party that can swap files in the directory while it loads can still race it;
 * the hashes and the size bound hold either way.)
 */
interface ExportSource {

    /** The most bytes a Java array, and so one graph's bytes, can hold. */
    long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    /** Names the export in messages, e.g. its directory. */
    String describe();

    /** Identifies the export, so that one composition loads it once. */
    Object key();

    /**
     * The bytes of {@code file}, a name checked by {@link Manifest#checkFileName(String)}, refusing a file of more
     * than {@code limit} bytes before reading more than that.
     *
     * @param limit     the most bytes accepted, at most {@link #MAX_ARRAY_BYTES}
     * @param limitName names the limit in messages, e.g. {@code "the manifest's bytes"}
     * @throws LayerShuffleException naming the file if it is missing, not a regular file inside the export,
     *                               larger than the limit, or unreadable
     */
    byte[] read(String file, long limit, String limitName);

    /**
     * The bytes of the optional file {@code file} (a plain name), or empty if the export has none; more than
     * {@code maxBytes} bytes are not read, and a file that has more is returned as its first {@code maxBytes + 1}.
     *
     * @throws LayerShuffleException naming the file if it exists but is not a regular file or cannot be read
     */
    Optional<byte[]> readOptional(String file, int maxBytes);

    /** The files of export directory {@code dir}. */
    static ExportSource directory(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new LayerShuffleException("export directory " + dir + " does not exist or is not a directory (an "
                    + "export directory holds " + Manifest.FILE_NAME + " and the graphs it names)");
        }
        Path real;
        try {
            real = abs.toRealPath();
        } catch (IOException e) {
            throw new LayerShuffleException("export directory " + dir + ": cannot resolve its real path: " + e, e);
        }
        return new ExportSource() {
            @Override
            public String describe() {
                return dir.toString();
            }

            @Override
            public Object key() {
                return real;
            }

            @Override
            public byte[] read(String file, long limit, String limitName) {
                Manifest.checkFileName(file);
                String where = "export " + dir + ": ";
                Path target;
                try {
                    target = real.resolve(file).toRealPath();
                } catch (NoSuchFileException e) {
                    throw new LayerShuffleException(where + missing(file), e);
                } catch (IOException e) {
                    throw new LayerShuffleException(where + "cannot resolve " + file + ": " + e, e);
                }
                if (!real.equals(target.getParent())) {
                    // says nothing of the target: not its path, size or hash
                    throw new LayerShuffleException(where + file + " is a symbolic link that leaves the export "
                            + "directory; every file of an export must lie inside it");
                }
                return readRegular(target, file, where, limit, limitName);
            }

            @Override
            public Optional<byte[]> readOptional(String file, int maxBytes) {
                Manifest.checkFileName(file);
                Path path = abs.resolve(file);
                if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                    return Optional.empty();
                }
                if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    throw new LayerShuffleException("export " + dir + ": " + file + " is not a regular file");
                }
                try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
                    return Optional.of(in.readNBytes(maxBytes + 1));
                } catch (IOException e) {
                    throw new LayerShuffleException("export " + dir + ": cannot read " + file + ": " + e, e);
                }
            }

            @Override
            public String toString() {
                return describe();
            }
        };
    }

    /** The files under classpath resource directory {@code directory} of {@code loader}. */
    static ExportSource classpath(ClassLoader loader, String directory) {
        Objects.requireNonNull(loader, "loader");
        Objects.requireNonNull(directory, "directory");
        String dir = directory.strip();
        while (dir.startsWith("/")) {
            dir = dir.substring(1);
        }
        while (dir.endsWith("/")) {
            dir = dir.substring(0, dir.length() - 1);
        }
        String prefix = dir.isEmpty() ? "" : dir + "/";
        String name = "classpath:" + dir;
        return new ExportSource() {
            @Override
            public String describe() {
                return name;
            }

            @Override
            public Object key() {
                return java.util.List.of(loader, prefix);
            }

            @Override
            public byte[] read(String file, long limit, String limitName) {
                Manifest.checkFileName(file);
                String where = "export " + name + ": ";
                URL url = loader.getResource(prefix + file);
                if (url == null) {
                    throw new LayerShuffleException(where + (Manifest.FILE_NAME.equals(file)
                            ? "resource " + prefix + file + " is missing from the classpath: not an export directory"
                            : "resource " + prefix + file + " is missing from the classpath"));
                }
                checkRegular(url, where, file);
                try (InputStream in = url.openStream()) {
                    return bounded(in, where, prefix + file, limit, limitName);
                } catch (IOException e) {
                    throw new LayerShuffleException(where + "cannot read resource " + prefix + file + ": " + e, e);
                }
            }

            @Override
            public Optional<byte[]> readOptional(String file, int maxBytes) {
                Manifest.checkFileName(file);
                try (InputStream in = loader.getResourceAsStream(prefix + file)) {
                    return in == null ? Optional.empty() : Optional.of(in.readNBytes(maxBytes + 1));
                } catch (IOException e) {
                    throw new LayerShuffleException("export " + name + ": cannot read resource " + prefix + file
                            + ": " + e, e);
                }
            }

            @Override
            public String toString() {
                return describe();
            }
        };
    }

    /**
     * The bytes of {@code path}, which must be a regular file of at most {@code limit} bytes; it is not followed if
     * it is a symbolic link, and the check comes before the open, so that a FIFO cannot block the read.
     *
     * @param name  names the file in messages
     * @param where prefixes messages, e.g. {@code "export exports/a: "}
     * @throws LayerShuffleException naming the file if it is missing, not a regular file, larger than
     *                               {@code limit}, or unreadable
     */
    static byte[] readRegular(Path path, String name, String where, long limit, String limitName) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                throw new LayerShuffleException(where + name + " is not a regular file (it is " + kind(attrs)
                        + ")");
            }
            if (attrs.size() > limit) {
                throw tooLarge(where, name, attrs.size() + " bytes", limit, limitName);
            }
            try (SeekableByteChannel ch = Files.newByteChannel(path, StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS); InputStream in = Channels.newInputStream(ch)) {
                return bounded(in, where, name, limit, limitName);
            }
        } catch (NoSuchFileException e) {
            throw new LayerShuffleException(where + name + " does not exist", e);
        } catch (IOException e) {
            throw new LayerShuffleException(where + "cannot read " + name + ": " + e, e);
        }
    }

    /** A resource in a directory on the class path must be a regular file, so that a FIFO cannot hang the read. */
    private static void checkRegular(URL url, String where, String file) {
        if (!"file".equals(url.getProtocol())) {
            return;
        }
        try {
            if (!Files.isRegularFile(Path.of(url.toURI()))) {
                throw new LayerShuffleException(where + "resource " + file + " is not a regular file");
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new LayerShuffleException(where + "resource " + file + " has an unusable URL " + url, e);
        }
    }

    /** Reads at most {@code limit + 1} bytes, refusing the stream if there are more than {@code limit}. */
    private static byte[] bounded(InputStream in, String where, String file, long limit, String limitName)
            throws IOException {
        int cap = (int) Math.min(Math.max(limit, 0), MAX_ARRAY_BYTES);
        byte[] bytes = in.readNBytes(cap);
        if (in.read() >= 0) {
            throw tooLarge(where, file, "more than " + cap + " bytes", limit, limitName);
        }
        return bytes;
    }

    private static LayerShuffleException tooLarge(String where, String file, String size, long limit,
                                                  String limitName) {
        return new LayerShuffleException(where + file + " holds " + size + ", more than " + limitName + " ("
                + limit + " bytes)");
    }

    private static String missing(String file) {
        return Manifest.FILE_NAME.equals(file)
                ? "not an export directory: it has no " + Manifest.FILE_NAME
                : "file " + file + " is missing (the manifest names it)";
    }

    private static String kind(BasicFileAttributes attrs) {
        return attrs.isDirectory() ? "a directory" : attrs.isSymbolicLink() ? "a symbolic link"
                : "a FIFO, socket or device";
    }
}
