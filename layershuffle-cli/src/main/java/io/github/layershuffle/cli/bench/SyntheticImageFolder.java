package io.github.layershuffle.cli.bench;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.checkpoint.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Writes an ImageNet-style folder of generated RGB images, {@code root/train/<class>/} and
 * {@code root/val/<class>/}, for running the image-folder path at real image sizes without a data set. Class
 * {@code c} is a colour and a stripe orientation of its own under seeded noise, so the classes are
 * separable but not trivially. A benchmark fixture, not library API.
 */
public final class SyntheticImageFolder {
    private SyntheticImageFolder() {
    }

    /**
     * Writes {@code classes} classes of {@code trainPerClass} training and {@code valPerClass} validation
     * images of {@code side} x {@code side} pixels, each file written atomically.
     *
     * @param format {@code jpg} or {@code png}
     * @return the number of files written
     * @throws IllegalArgumentException if a count or the side is below 1, or the format is neither
     * @throws LayerShuffleException    if a file cannot be written, naming it
     */
    public static int write(Path root, int classes, int trainPerClass, int valPerClass, int side, String format,
                            long seed) {
        if (classes < 1 || trainPerClass < 1 || valPerClass < 1 || side < 1) {
            throw new IllegalArgumentException("classes, images per class and side must be at least 1, were "
                    + classes + ", " + trainPerClass + ", " + valPerClass + ", " + side);
        }
        String ext = format.toLowerCase(Locale.ROOT);
        if (!ext.equals("jpg") && !ext.equals("png")) {
            throw new IllegalArgumentException("format must be jpg or png, was '" + format + "'");
        }
        String writer = ext.equals("jpg") ? "jpeg" : "png";
        SplittableRandom random = new SplittableRandom(seed);
        int written = 0;
        for (String split : new String[] {"train", "val"}) {
            int per = split.equals("train") ? trainPerClass : valPerClass;
            for (int c = 0; c < classes; c++) {
                Path dir = root.resolve(split).resolve(String.format(Locale.ROOT, "class%02d", c));
                for (int i = 0; i < per; i++) {
                    BufferedImage image = image(c, classes, side, random.split());
                    Path file = dir.resolve(String.format(Locale.ROOT, "%04d.%s", i, ext));
                    try {
                        AtomicFiles.write(file, out -> {
                            if (!ImageIO.write(image, writer, out)) {
                                throw new IOException("no ImageIO writer for " + writer);
                            }
                        });
                    } catch (IOException e) {
                        throw new LayerShuffleException("cannot write image " + file + ": " + e.getMessage(), e);
                    }
                    written++;
                }
            }
        }
        return written;
    }

    private static BufferedImage image(int c, int classes, int side, SplittableRandom r) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        double hue = (double) c / classes;
        int base = java.awt.Color.HSBtoRGB((float) hue, 0.7f, 0.8f);
        double angle = Math.PI * c / classes;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double period = side / (4.0 + r.nextInt(4));
        double phase = r.nextDouble() * period;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double stripe = Math.sin(2 * Math.PI * ((x * cos + y * sin) + phase) / period);
                int rgb = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    double v = ((base >> shift) & 0xff) * (0.75 + 0.25 * stripe) + 40 * (r.nextDouble() - 0.5);
                    rgb = (rgb << 8) | (int) Math.max(0, Math.min(255, Math.round(v)));
                }
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }
}
