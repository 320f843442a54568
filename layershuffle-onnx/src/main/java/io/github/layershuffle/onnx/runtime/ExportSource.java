package io.github.layershuffle.onnx.runtime;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Where the files of one export come from: a directory or a classpath resource directory. */
interface ExportSource {

    /** Names the export in messages, e.g. its directory. */
    String describe();

    /** Identifies the export, so that one composition loads it once. */
    Object key();

    /**
     * The bytes of {@code file}, a name already checked by {@link Manifest#checkFileName(String)}.
     *
     * @throws LayerShuffleException naming the file if it is missing or unreadable
     */
    byte[] read(String file);

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
            throw new LayerShuffleException("export directory " + dir + " does not exist or is not a directory");
        }
        Path key;
        try {
            key = abs.toRealPath();
        } catch (IOException e) {
            key = abs;
        }
        Path real = key;
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
            public byte[] read(String file) {
                Manifest.checkFileName(file);
                Path path = abs.resolve(file).normalize();
                if (!abs.equals(path.getParent())) {
                    throw new LayerShuffleException("file name '" + file + "' leaves the export directory " + dir);
                }
                try {
                    return Files.readAllBytes(path);
                } catch (NoSuchFileException e) {
                    throw new LayerShuffleException("export " + dir + ": file " + file
                            + " is missing (the manifest names it)", e);
                } catch (IOException e) {
                    throw new LayerShuffleException("export " + dir + ": cannot read " + file + ": " + e, e);
                }
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
            public byte[] read(String file) {
                Manifest.checkFileName(file);
                try (InputStream in = loader.getResourceAsStream(prefix + file)) {
                    if (in == null) {
                        throw new LayerShuffleException("export " + name + ": resource " + prefix + file
                                + " is missing from the classpath");
                    }
                    return in.readAllBytes();
                } catch (IOException e) {
                    throw new LayerShuffleException("export " + name + ": cannot read resource " + prefix + file
                            + ": " + e, e);
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
}
