package io.github.layershuffle.train.data;

import io.github.layershuffle.api.LayerShuffleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fashion-MNIST (Xiao et al. 2017): 28x28 grey images of 10 kinds of clothing, 60,000 to train and 10,000 to
 * test, read from its four IDX files, gzip-compressed or not.
 *
 * <p>The default directory is where Debian's {@code dataset-fashion-mnist} package puts them. The split
 * follows the project's protocol: of the 60,000 training images, a fixed 5,000 (seeded, the same on every
 * run) are held out for model selection.
 *
 * <pre>{@code
 * DatasetSplits splits = FashionMnist.splits(FashionMnist.DEFAULT_DIRECTORY);
 * splits.train().count();       // 55000
 * splits.validation().count();  // 5000
 * splits.test().count();        // 10000
 * }</pre>
 */
public final class FashionMnist {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnist.class);

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    /** The class names, index = label. */
    public static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Side of an image in pixels. */
    public static final int IMAGE_SIZE = 28;
    /** Training images held out for model selection by {@link #splits(Path)}. */
    public static final int VALIDATION_SIZE = 5000;
    /** The seed of the fixed validation split of {@link #splits(Path)}. */
    public static final long SPLIT_SEED = 0;

    private FashionMnist() {
    }

    /** The two parts of the data set as the files give them. */
    private enum Part {
        TRAIN("train"), TEST("t10k");

        private final String prefix;

        Part(String prefix) {
            this.prefix = prefix;
        }
    }

    /**
     * The 60,000 training images.
     *
     * @throws LayerShuffleException naming the missing or corrupt file and the fault
     */
    public static ImageDataset train(Path directory) {
        return read(directory, Part.TRAIN);
    }

    /**
     * The 10,000 test images.
     *
     * @throws LayerShuffleException naming the missing or corrupt file and the fault
     */
    public static ImageDataset test(Path directory) {
        return read(directory, Part.TEST);
    }

    /**
     * Train (55,000), validation (the fixed 5,000 of {@link #SPLIT_SEED}) and test (10,000). Files with fewer
     * than 60,000 training images (test fixtures, subsets) hold out a twelfth of them instead.
     *
     * @throws LayerShuffleException naming the missing or corrupt file and the fault
     */
    public static DatasetSplits splits(Path directory) {
        ImageDataset train = train(directory);
        int held = Math.max(1, Math.min(VALIDATION_SIZE, train.count() / 12));
        return split(train, test(directory), held, SPLIT_SEED);
    }

    /**
     * Train, validation ({@code validationSize} training images chosen with {@code seed}) and test.
     *
     * @throws IllegalArgumentException if {@code validationSize} is not in {@code [1, 59999]}
     * @throws LayerShuffleException    naming the missing or corrupt file and the fault
     */
    public static DatasetSplits splits(Path directory, int validationSize, long seed) {
        return split(train(directory), test(directory), validationSize, seed);
    }

    private static DatasetSplits split(ImageDataset train, ImageDataset test, int validationSize, long seed) {
        ImageDataset[] parts = train.split(validationSize, seed);
        return new DatasetSplits(parts[1], parts[0].named("fashion-mnist validation"), test);
    }

    /**
     * Whether {@code directory} holds the four files (compressed or not); what tests check before using the
     * real data.
     */
    public static boolean isPresent(Path directory) {
        for (Part part : Part.values()) {
            for (String kind : new String[] {"images-idx3", "labels-idx1"}) {
                if (find(directory, part.prefix + "-" + kind) == null) {
                    return false;
                }
            }
        }
        return true;
    }

    private static ImageDataset read(Path directory, Part part) {
        Objects.requireNonNull(directory, "directory");
        if (!Files.isDirectory(directory)) {
            throw new LayerShuffleException("Fashion-MNIST directory " + directory + " does not exist; install "
                    + "Debian's dataset-fashion-mnist package or give the directory that holds "
                    + part.prefix + "-images-idx3-ubyte(.gz)");
        }
        Path imageFile = require(directory, part.prefix + "-images-idx3");
        Path labelFile = require(directory, part.prefix + "-labels-idx1");
        long start = System.nanoTime();
        Idx.Images images = Idx.readImages(imageFile);
        int[] labels = Idx.readLabels(labelFile, LABELS.size());
        if (images.count() != labels.length) {
            throw new LayerShuffleException("Fashion-MNIST " + part.name().toLowerCase(java.util.Locale.ROOT)
                    + " files disagree: " + imageFile + " holds " + images.count() + " images but " + labelFile
                    + " holds " + labels.length + " labels");
        }
        if (images.rows() != IMAGE_SIZE || images.cols() != IMAGE_SIZE) {
            throw new LayerShuffleException("IDX file " + imageFile + " holds images of " + images.rows() + "x"
                    + images.cols() + " pixels; Fashion-MNIST images are " + IMAGE_SIZE + "x" + IMAGE_SIZE);
        }
        LOG.debug("read {} Fashion-MNIST images from {} in {} ms", labels.length, imageFile,
                (System.nanoTime() - start) / 1_000_000);
        String name = "fashion-mnist " + part.name().toLowerCase(java.util.Locale.ROOT);
        return ImageDataset.of(name, images.pixels(), labels, 1, IMAGE_SIZE, IMAGE_SIZE, LABELS);
    }

    private static Path require(Path directory, String stem) {
        Path file = find(directory, stem);
        if (file == null) {
            throw new LayerShuffleException("Fashion-MNIST directory " + directory + " has no " + stem
                    + "-ubyte or " + stem + "-ubyte.gz");
        }
        return file;
    }

    /** {@code stem-ubyte}, {@code stem-ubyte.gz}, or the {@code stem.ubyte} spelling some mirrors use. */
    private static Path find(Path directory, String stem) {
        String dotted = stem.replace("-idx", ".idx");
        for (String name : new String[] {stem + "-ubyte", stem + "-ubyte.gz", dotted + "-ubyte",
            dotted + "-ubyte.gz"}) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        return null;
    }
}
