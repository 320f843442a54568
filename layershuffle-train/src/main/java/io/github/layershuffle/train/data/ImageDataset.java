package io.github.layershuffle.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.training.dataset.Sampler;
import ai.djl.util.Progress;
import io.github.layershuffle.onnx.image.ImageInput;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;

/**
 * Labelled images, held in memory or decoded from their files when asked for ({@link #ofFiles},
 * {@link ImageFolder#open}), as a DJL {@link RandomAccessDataset}: record {@code i} is
 * {@code NDList(image float32 [C, H, W] in [0, 1])} with label {@code NDList(int64 scalar class index)}.
 * Batches stack these to {@code [B, C, H, W]} and {@code [B]}.
 *
 * <p>Made by {@link FashionMnist}, {@link ImageFolder} or {@link #of}. Subsets ({@link #sample},
 * {@link #subset}, {@link #split}) are views that share the pixels of their source; every selection is
 * seeded, so a run is repeatable. Batches are copied in one piece from the pixel array (or decoded in
 * parallel, for a lazy dataset), not stacked record by record.
 *
 * <pre>{@code
 * DatasetSplits splits = FashionMnist.splits(FashionMnist.DEFAULT_DIRECTORY);
 * ImageDataset train = splits.train().sample(2000, 7).withSampler(ShuffleSampler.shuffled(64, 7));
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     for (Batch batch : train.getData(manager)) {
 *         NDArray images = batch.getData().head();     // [64, 1, 28, 28]
 *         NDArray labels = batch.getLabels().head();   // [64] int64
 *         batch.close();
 *     }
 * }
 * }</pre>
 *
 * <p>Immutable apart from DJL's sampler, which {@link #withSampler} replaces in a new view. Thread-safe for
 * concurrent reads.
 */
public final class ImageDataset extends RandomAccessDataset {
    private final Storage storage;
    private final int[] indices;
    private final String name;

    /** Where the pixels of image {@code index} come from: an array in memory, or files decoded on demand. */
    private interface PixelSource {
        void copy(int index, float[] dst, int offset);

        /** Whether copies are slow enough (file decoding) to be worth doing in parallel. */
        boolean lazy();
    }

    private record InMemory(float[] pixels, int length) implements PixelSource {
        @Override
        public void copy(int index, float[] dst, int offset) {
            System.arraycopy(pixels, index * length, dst, offset, length);
        }

        @Override
        public boolean lazy() {
            return false;
        }
    }

    private record FromFiles(List<Path> files, ImageInput input) implements PixelSource {
        @Override
        public void copy(int index, float[] dst, int offset) {
            input.pixels(input.decode(files.get(index)), dst, offset);
        }

        @Override
        public boolean lazy() {
            return true;
        }
    }

    /** The shared, immutable pixels and labels behind a dataset and all its views. */
    private record Storage(PixelSource pixels, int[] labels, int channels, int height, int width,
                           List<String> classNames) {
        int imageLength() {
            return channels * height * width;
        }
    }

    private ImageDataset(Storage storage, int[] indices, Sampler sampler, String name) {
        super(new Builder().setSampling(sampler));
        this.storage = storage;
        this.indices = indices;
        this.name = name;
    }

    /**
     * A dataset of these images; the arrays are used as they are, not copied, so do not change them after.
     *
     * @param name       what the data is, for messages and reports (e.g. "fashion-mnist test")
     * @param pixels     {@code labels.length} images of {@code [channels, height, width]}, row-major, in [0, 1]
     * @param labels     the class index of each image
     * @param classNames the name of each class; its size is the number of classes
     * @throws IllegalArgumentException if a dimension is below 1, {@code pixels} has not exactly
     *                                  {@code labels.length * channels * height * width} values, a label is out
     *                                  of {@code [0, classNames.size())} or there are no images or classes
     */
    public static ImageDataset of(String name, float[] pixels, int[] labels, int channels, int height, int width,
                                  List<String> classNames) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        List<String> names = List.copyOf(classNames);
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(name + ": image shape [" + channels + ", " + height + ", " + width
                    + "] must have every dimension at least 1");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException(name + ": a dataset needs at least one image");
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(name + ": a dataset needs at least one class");
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(name + ": " + labels.length + " images of [" + channels + ", "
                    + height + ", " + width + "] need " + expected + " pixel values, got " + pixels.length);
        }
        checkLabels(name, labels, names.size());
        Storage storage = new Storage(new InMemory(pixels, channels * height * width), labels, channels, height,
                width, names);
        return new ImageDataset(storage, ShuffleSampler.identity(labels.length), ShuffleSampler.sequential(32),
                name);
    }

    /**
     * A dataset whose images are decoded from {@code files} when asked for (a batch decodes its images in
     * parallel), for image sets too large to hold in memory as floats (ImageNet: about 770 GB at 224x224 RGB).
     *
     * @param files  one image file per label, decoded, centre-cropped and resized to {@code size}x{@code size}
     *               with {@code channels} channels on each access, by {@link ImageFolder#preprocessing}
     * @throws IllegalArgumentException as {@link #of}, if {@code files} and {@code labels} differ in length, or if
     *                                  {@code channels} is not 1 or 3
     */
    public static ImageDataset ofFiles(String name, List<Path> files, int[] labels, int channels, int size,
                                       List<String> classNames) {
        Objects.requireNonNull(name, "name");
        List<Path> paths = List.copyOf(files);
        List<String> names = List.copyOf(classNames);
        if (channels < 1 || size < 1) {
            throw new IllegalArgumentException(name + ": image shape [" + channels + ", " + size + ", " + size
                    + "] must have every dimension at least 1");
        }
        if (labels.length == 0 || names.isEmpty()) {
            throw new IllegalArgumentException(name + ": a dataset needs at least one image and one class");
        }
        if (paths.size() != labels.length) {
            throw new IllegalArgumentException(name + ": " + paths.size() + " files but " + labels.length
                    + " labels");
        }
        checkLabels(name, labels, names.size());
        Storage storage = new Storage(new FromFiles(paths, ImageFolder.preprocessing(size, channels)), labels,
                channels, size, size, names);
        return new ImageDataset(storage, ShuffleSampler.identity(labels.length), ShuffleSampler.sequential(32),
                name);
    }

    private static void checkLabels(String name, int[] labels, int classes) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of image " + i
                        + " is out of range [0, " + classes + ")");
            }
        }
    }

    /** Whether images are decoded from files on each access rather than held in memory. */
    public boolean isLazy() {
        return storage.pixels.lazy();
    }

    /** What the data is, e.g. {@code "fashion-mnist test"}. */
    public String name() {
        return name;
    }

    /** The same images under another name (for reports). */
    public ImageDataset named(String newName) {
        return new ImageDataset(storage, indices, sampler, Objects.requireNonNull(newName, "name"));
    }

    /** Channels per image (1 grey, 3 RGB). */
    public int channels() {
        return storage.channels;
    }

    /** Image height in pixels. */
    public int height() {
        return storage.height;
    }

    /** Image width in pixels. */
    public int width() {
        return storage.width;
    }

    /** The class names, index = label. */
    public List<String> classNames() {
        return storage.classNames;
    }

    /** Number of classes. */
    public int classCount() {
        return storage.classNames.size();
    }

    /** Number of images, as an int. */
    public int count() {
        return indices.length;
    }

    /**
     * The label of image {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, count())}
     */
    public int label(long index) {
        return storage.labels[indices[Objects.checkIndex(Math.toIntExact(index), indices.length)]];
    }

    /** All labels, in this dataset's order (a fresh array). */
    public int[] labels() {
        int[] out = new int[indices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = storage.labels[indices[i]];
        }
        return out;
    }

    /** How many images each class has, index = label. */
    public int[] classCounts() {
        int[] counts = new int[classCount()];
        for (int i : indices) {
            counts[storage.labels[i]]++;
        }
        return counts;
    }

    /**
     * The pixels of image {@code index}, {@code [C, H, W]} row-major in [0, 1] (a fresh array).
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, count())}
     */
    public float[] image(long index) {
        int at = indices[Objects.checkIndex(Math.toIntExact(index), indices.length)];
        float[] out = new float[storage.imageLength()];
        storage.pixels.copy(at, out, 0);
        return out;
    }

    /**
     * The first {@code n} images after a shuffle seeded by {@code seed}, kept in this dataset's order; all
     * images if {@code n >= count()}. The same seed always selects the same images.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public ImageDataset sample(int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("sample size must be at least 1, was " + n);
        }
        if (n >= indices.length) {
            return this;
        }
        int[] picked = Arrays.copyOf(ShuffleSampler.permutation(indices.length, new SplittableRandom(seed)), n);
        Arrays.sort(picked);
        return subset(picked);
    }

    /**
     * Splits into two disjoint views after a shuffle seeded by {@code seed}: the first holds {@code firstSize}
     * images, the second the rest; each keeps this dataset's order.
     *
     * @throws IllegalArgumentException if {@code firstSize} is not in {@code [1, count() - 1]}
     */
    public ImageDataset[] split(int firstSize, long seed) {
        if (firstSize < 1 || firstSize >= indices.length) {
            throw new IllegalArgumentException("cannot split " + indices.length + " images of " + name()
                    + " into " + firstSize + " and the rest; the first part must hold 1 to "
                    + (indices.length - 1));
        }
        int[] order = ShuffleSampler.permutation(indices.length, new SplittableRandom(seed));
        int[] first = Arrays.copyOf(order, firstSize);
        int[] rest = Arrays.copyOfRange(order, firstSize, order.length);
        Arrays.sort(first);
        Arrays.sort(rest);
        return new ImageDataset[] {subset(first), subset(rest)};
    }

    /**
     * The images at these positions of this dataset, in this order (repeats allowed).
     *
     * @throws IndexOutOfBoundsException naming the first position out of {@code [0, count())}
     */
    public ImageDataset subset(int... positions) {
        if (positions.length == 0) {
            throw new IllegalArgumentException("a subset of " + name() + " needs at least one image");
        }
        int[] picked = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            picked[i] = indices[Objects.checkIndex(positions[i], indices.length)];
        }
        return new ImageDataset(storage, picked, sampler, name);
    }

    /** The same images, visited by {@code sampler} when iterated with {@link #getData(NDManager)}. */
    public ImageDataset withSampler(Sampler sampler) {
        return new ImageDataset(storage, indices, Objects.requireNonNull(sampler, "sampler"), name);
    }

    /** The sampler {@link #getData(NDManager)} uses (default: {@code ShuffleSampler.sequential(32)}). */
    public Sampler sampler() {
        return sampler;
    }

    /**
     * Images and labels at these positions as one batch: images {@code [n, C, H, W]} float32, labels
     * {@code [n]} int64, both attached to {@code manager}.
     *
     * @throws IndexOutOfBoundsException naming the first position out of {@code [0, count())}
     */
    public NDList batch(NDManager manager, long... positions) {
        int n = storage.imageLength();
        float[] data = new float[Math.multiplyExact(positions.length, n)];
        long[] labels = new long[positions.length];
        int[] at = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            at[i] = indices[Objects.checkIndex(Math.toIntExact(positions[i]), indices.length)];
            labels[i] = storage.labels[at[i]];
        }
        java.util.stream.IntStream range = java.util.stream.IntStream.range(0, positions.length);
        (storage.pixels.lazy() ? range.parallel() : range).forEach(i -> storage.pixels.copy(at[i], data, i * n));
        NDArray images = manager.create(FloatBuffer.wrap(data),
                new Shape(positions.length, storage.channels, storage.height, storage.width));
        return new NDList(images, manager.create(labels));
    }

    @Override
    public Record get(NDManager manager, long index) {
        int at = indices[Objects.checkIndex(Math.toIntExact(index), indices.length)];
        float[] pixels = new float[storage.imageLength()];
        storage.pixels.copy(at, pixels, 0);
        NDArray image = manager.create(FloatBuffer.wrap(pixels), new Shape(storage.channels, storage.height,
                storage.width));
        return new Record(new NDList(image), new NDList(manager.create((long) storage.labels[at])));
    }

    @Override
    public Iterable<Batch> getData(NDManager manager, Sampler sampler, ExecutorService executor) {
        return new BulkIterable(this, manager, sampler, dataBatchifier, labelBatchifier, pipeline, targetPipeline,
                executor, prefetchNumber, device);
    }

    @Override
    protected long availableSize() {
        return indices.length;
    }

    @Override
    public void prepare(Progress progress) {
        // the images are in memory from the start
    }

    @Override
    protected RandomAccessDataset newSubDataset(int[] order, int from, int to) {
        return subset(Arrays.copyOfRange(order, from, to));
    }

    @Override
    protected RandomAccessDataset newSubDataset(List<Long> subIndices) {
        return subset(subIndices.stream().mapToInt(Math::toIntExact).toArray());
    }

    @Override
    public String toString() {
        return name() + " (" + count() + " images of [" + channels() + ", " + height() + ", " + width() + "], "
                + classCount() + " classes)";
    }

    /** The DJL builder behind the constructor; only the sampler is ever set. */
    private static final class Builder extends BaseBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
