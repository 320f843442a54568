package io.github.layershuffle.onnx.image;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns images into the pixels a LayerShuffle export takes: {@code [batch, C, H, W]} floats in [0, 1] for the
 * config's {@code channels} and {@code imageSize} (the export's stem normalises them with the config's mean and
 * std), written into one direct buffer that ONNX Runtime reads without another copy. JDK imaging only
 * ({@code javax.imageio}, so PNG, JPEG, GIF, BMP, TIFF and WBMP); no native dependency.
 *
 * <pre>{@code
 * ImageInput input = ImageInput.builder(model.config()).optFit(ImageInput.Fit.CENTER_CROP).build();
 * Prediction p = model.predict(input.read(List.of(Path.of("cat.jpg"), Path.of("dog.png"))),
 *         ExecutionPolicy.sequential());
 * }</pre>
 *
 * <ul>
 *   <li><b>Channels.</b> A grey image (grey colour space, any bit depth, with or without alpha) is read from its
 *       raster, {@code s / (2^bits - 1)}, so a grey PNG's values arrive unchanged; any other image as sRGB,
 *       {@code R / 255} etc. (16-bit sRGB from the raster, {@code / 65535}). Grey to RGB replicates the grey
 *       value; RGB to grey is the ITU-R BT.601 luma {@code 0.299 R + 0.587 G + 0.114 B} of those values (what
 *       Pillow's {@code convert("L")} computes, without its rounding to 8 bits). Alpha is ignored.</li>
 *   <li><b>Fit.</b> {@link Fit#STRETCH} (the default) resizes the whole image to {@code size x size}, not
 *       keeping its aspect ratio; {@link Fit#CENTER_CROP} first takes the largest centred square, side
 *       {@code min(w, h)}, from column {@code (w - side) / 2} and row {@code (h - side) / 2} (rounded down).</li>
 *   <li><b>Resize.</b> Separable, in float: each axis that shrinks is area-averaged (output pixel {@code i} of
 *       {@code n} is the mean of the source interval {@code [i m / n, (i + 1) m / n)}, partly covered pixels
 *       weighted by the part they cover); each axis that grows is interpolated bilinearly with half-pixel centres
 *       (output {@code i} reads source position {@code (i + 0.5) m / n - 0.5}, clamped to the edge pixels);
 *       an axis that keeps its length is copied.</li>
 *   <li><b>Bad input.</b> A file that is missing, unreadable, not an image, truncated or corrupt is refused
 *       with a {@link LayerShuffleException} naming it. So is one whose header declares more than
 *       {@link #maxPixels()} pixels ({@link #DEFAULT_MAX_PIXELS} unless set): the cap is checked on the size the
 *       reader reads from the header, before any pixel is decoded, because a few kilobytes of PNG or JPEG can
 *       declare gigabytes of pixels.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe. Each call decodes on the calling thread.
 */
public final class ImageInput {
    /**
     * The default cap on the pixels of an image to decode: 40 million, e.g. 8000 x 5000. Decoded, such an image
     * takes 120 MB (RGB) to 160 MB (RGBA) of heap.
     */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    /** How an image that is not {@code size x size} is made so. */
    public enum Fit {
        /** Resize the whole image to {@code size x size}; the aspect ratio is not kept. */
        STRETCH,
        /** Take the largest centred square, then resize it to {@code size x size}. */
        CENTER_CROP
    }

    private final int channels;
    private final int size;
    private final Fit fit;
    private final long maxPixels;

    private ImageInput(Builder b) {
        this.channels = b.channels;
        this.size = b.size;
        this.fit = b.fit;
        this.maxPixels = b.maxPixels;
    }

    /**
     * The input of a model with this config, with the defaults: {@link Fit#STRETCH}, {@link #DEFAULT_MAX_PIXELS}.
     *
     * @throws IllegalArgumentException if the config's channels are not 1 or 3
     */
    public static ImageInput of(ModelConfig config) {
        return builder(config).build();
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder with the channels and image size of {@code config} set. */
    public static Builder builder(ModelConfig config) {
        Objects.requireNonNull(config, "config");
        return new Builder().setChannels(config.channels()).setImageSize(config.imageSize());
    }

    /** 1 (grey) or 3 (RGB). */
    public int channels() {
        return channels;
    }

    /** The side of the square images made, in pixels. */
    public int imageSize() {
        return size;
    }

    /** How images that are not square of {@link #imageSize()} are made so. */
    public Fit fit() {
        return fit;
    }

    /** The most pixels an image file may declare. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Reads and converts image files, one after another into one batch; each decoded image is let go before the
     * next is read.
     *
     * @throws IllegalArgumentException if {@code files} is empty or holds {@code null}
     * @throws LayerShuffleException    naming the first file that is missing, unreadable, not an image, truncated
     *                                  or corrupt, or declares more than {@link #maxPixels()} pixels
     */
    public PixelBatch read(List<Path> files) {
        checkBatch(files, "files");
        FloatBuffer buffer = allocate(files.size());
        for (int i = 0; i < files.size(); i++) {
            write(ImageDecoder.read(files.get(i), maxPixels), buffer, i * imageLength());
        }
        return new PixelBatch(buffer, files.size(), channels, size);
    }

    /**
     * Converts decoded images into one batch.
     *
     * @throws IllegalArgumentException if there is no image or one is {@code null}
     */
    public PixelBatch batch(List<BufferedImage> images) {
        checkBatch(images, "images");
        FloatBuffer buffer = allocate(images.size());
        for (int i = 0; i < images.size(); i++) {
            write(images.get(i), buffer, i * imageLength());
        }
        return new PixelBatch(buffer, images.size(), channels, size);
    }

    /**
     * Converts decoded images into one batch.
     *
     * @throws IllegalArgumentException if there is no image or one is {@code null}
     */
    public PixelBatch batch(BufferedImage... images) {
        Objects.requireNonNull(images, "images");
        return batch(Arrays.asList(images));
    }

    /**
     * Decodes the first image of a file, with the checks of {@link #read(List)}.
     *
     * @throws LayerShuffleException as {@link #read(List)}
     */
    public BufferedImage decode(Path file) {
        Objects.requireNonNull(file, "file");
        return ImageDecoder.read(file, maxPixels);
    }

    /**
     * Decodes the first image of a stream, which is read as far as the image goes and left open, with the checks
     * of {@link #read(List)}; pass the results to {@link #batch(List)}.
     *
     * @param name names the stream in errors, e.g. the upload's file name
     * @throws LayerShuffleException as {@link #read(List)}, naming {@code name}
     */
    public BufferedImage decode(InputStream stream, String name) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(name, "name");
        return ImageDecoder.read(stream, name, maxPixels);
    }

    /**
     * One image converted, {@code [channels][size][size]}: the values {@link #batch(List)} writes for it.
     *
     * @throws NullPointerException if {@code image} is null
     */
    public float[][][] pixels(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return batch(List.of(image)).toArray()[0];
    }

    /**
     * One image converted into {@code dst} from {@code offset} on, {@code [channels][size][size]} row-major: the
     * values {@link #batch(List)} writes for it, into a heap array (as a training set holds its images) rather
     * than a direct buffer.
     *
     * @throws NullPointerException      if {@code image} or {@code dst} is null
     * @throws IndexOutOfBoundsException if the {@code channels * size * size} values from {@code offset} do not
     *                                   fit in {@code dst}
     */
    public void pixels(BufferedImage image, float[] dst, int offset) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(dst, "dst");
        Objects.checkFromIndexSize(offset, channels * size * size, dst.length);
        write(image, FloatBuffer.wrap(dst), offset);
    }

    private FloatBuffer allocate(int images) {
        long values = (long) images * channels * size * size;
        if (values * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(images + " images of " + channels + " x " + size + " x " + size
                    + " need " + values * Float.BYTES + " bytes, more than one buffer holds (2 GiB); split the batch");
        }
        return ByteBuffer.allocateDirect((int) (values * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static void checkBatch(List<?> items, String what) {
        Objects.requireNonNull(items, what);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("empty batch: no " + what + " given");
        }
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) == null) {
                throw new IllegalArgumentException(what + "[" + i + "] is null");
            }
        }
    }

    private int imageLength() {
        return channels * size * size;
    }

    /** Converts, crops and resizes {@code image} into {@code buffer} from index {@code offset} on. */
    private void write(BufferedImage image, FloatBuffer buffer, int offset) {
        int w = image.getWidth();
        int h = image.getHeight();
        int cw = fit == Fit.CENTER_CROP ? Math.min(w, h) : w;
        int ch = fit == Fit.CENTER_CROP ? Math.min(w, h) : h;
        int x0 = (w - cw) / 2;
        int y0 = (h - ch) / 2;
        Resampler across = Resampler.of(cw, size);
        Resampler down = Resampler.of(ch, size);
        PixelRows rows = new PixelRows(image, channels);
        float[][] row = new float[channels][cw];
        float[][] narrowed = new float[channels][ch * size];
        for (int y = 0; y < ch; y++) {
            rows.read(y0 + y, x0, cw, row);
            for (int c = 0; c < channels; c++) {
                across.line(row[c], 0, narrowed[c], y * size);
            }
        }
        int plane = size * size;
        float[] out = ch == size ? null : new float[plane];
        for (int c = 0; c < channels; c++) {
            if (out != null) {
                down.columns(narrowed[c], size, out);
            }
            buffer.put(offset + c * plane, out != null ? out : narrowed[c], 0, plane);
        }
    }

    /**
     * Builds an {@link ImageInput}: {@code set*} values are required, {@code opt*} ones have defaults.
     */
    public static final class Builder {
        private int channels;
        private int size;
        private Fit fit = Fit.STRETCH;
        private long maxPixels = DEFAULT_MAX_PIXELS;

        private Builder() {
        }

        /** 1 (grey) or 3 (RGB), a model's {@code config.channels}; checked in {@link #build()}. */
        public Builder setChannels(int channels) {
            this.channels = channels;
            return this;
        }

        /** The side of the square images to make, a model's {@code config.imageSize}; checked in {@link #build()}. */
        public Builder setImageSize(int size) {
            this.size = size;
            return this;
        }

        /**
         * Stretch (the default) or centre-crop images that are not square.
         *
         * @throws NullPointerException if {@code fit} is null
         */
        public Builder optFit(Fit fit) {
            this.fit = Objects.requireNonNull(fit, "fit");
            return this;
        }

        /**
         * The most pixels an image file may declare ({@link ImageInput#DEFAULT_MAX_PIXELS} unless set); checked in
         * {@link #build()}.
         */
        public Builder optMaxPixels(long maxPixels) {
            this.maxPixels = maxPixels;
            return this;
        }

        /**
         * The input.
         *
         * @throws IllegalArgumentException if channels are not 1 or 3, the image size or maxPixels is below 1
         */
        public ImageInput build() {
            if (channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels is " + channels + "; images convert to 1 (grey) or 3 "
                        + "(RGB) channels");
            }
            if (size < 1) {
                throw new IllegalArgumentException("imageSize is " + size + ", must be at least 1");
            }
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels is " + maxPixels + ", must be at least 1");
            }
            return new ImageInput(this);
        }
    }
}
