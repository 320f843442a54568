package io.github.layershuffle.onnx.image;

import io.github.layershuffle.api.LayerShuffleException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes the first image of a file or stream with {@code javax.imageio}, refusing one whose header declares more
 * pixels than a cap before any pixel is decoded, and one the reader could decode only in part.
 *
 * <p>The reader is chosen by the file's content, not its name. Its {@code getWidth(0)} and {@code getHeight(0)}
 * read only the header (PNG {@code IHDR}, JPEG {@code SOF}, GIF image descriptor, BMP header), so an image that
 * declares 100,000 x 100,000 pixels in a few bytes is refused without allocating its raster. Metadata (PNG text
 * chunks, EXIF) is not read. A reader's warnings (the JDK's JPEG reader warns, and returns grey rows, when a file
 * ends early) are treated as errors.
 */
final class ImageDecoder {

    private ImageDecoder() {
    }

    /** The first image of {@code file}. */
    static BufferedImage read(Path file, long maxPixels) {
        if (!Files.isRegularFile(file)) {
            throw new LayerShuffleException("no image file " + file + (Files.isDirectory(file) ? " (a directory)" : ""));
        }
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            return decode(in, file.toString(), maxPixels);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /** The first image of {@code stream}, which stays open; {@code name} names it in errors. */
    static BufferedImage read(InputStream stream, String name, long maxPixels) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(stream)) {
            return decode(in, name, maxPixels);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read image " + name + ": " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(ImageInputStream in, String name, long maxPixels) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new LayerShuffleException(name + " is not an image this JDK can decode; formats it reads: "
                    + formats());
        }
        ImageReader reader = readers.next();
        String format = format(reader);
        try {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            long pixels = (long) width * height;
            if (width < 1 || height < 1) {
                throw new LayerShuffleException(name + " (" + format + ") declares " + width + "x" + height
                        + " pixels; an image has at least one");
            }
            if (pixels > maxPixels) {
                throw new LayerShuffleException(String.format(Locale.ROOT,
                        "%s (%s) declares %dx%d = %,d pixels, more than the limit of %,d (ImageInput maxPixels); "
                                + "refused before decoding", name, format, width, height, pixels, maxPixels));
            }
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new LayerShuffleException("cannot decode " + name + " (" + format + "): " + warnings.get(0)
                        + " (the file is truncated or corrupt)");
            }
            return image;
        } catch (IOException e) {
            throw new LayerShuffleException("cannot decode " + name + " (" + format + "): " + message(e)
                    + " (the file is truncated or corrupt)", e);
        } catch (LayerShuffleException e) {
            throw e;
        } catch (RuntimeException e) {
            // the JDK's decoders throw runtime exceptions on some malformed input (e.g. ArrayIndexOutOfBounds)
            throw new LayerShuffleException("cannot decode " + name + " (" + format + "): " + e, e);
        } finally {
            reader.dispose();
        }
    }

    /** The message of {@code e} and of its causes, which say more than the top one ("Error reading PNG image"). */
    private static String message(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
            b.append(": ").append(c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName());
        }
        return b.toString();
    }

    private static String format(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return reader.getOriginatingProvider().getFormatNames()[0];
        }
    }

    private static String formats() {
        TreeSet<String> names = new TreeSet<>();
        Arrays.stream(ImageIO.getReaderFormatNames()).map(n -> n.toUpperCase(Locale.ROOT)).forEach(names::add);
        return names.toString();
    }
}
