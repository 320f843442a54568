package io.github.layershuffle.train.data;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.image.ImageInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ImageNet-style tree of images, one sub-folder per class: {@code root/<class>/<image>.png|jpg|...}.
 * Classes are the sub-folder names in sorted order (label 0 is the first); images are decoded, centre-cropped
 * to a square, resized to the wanted side and converted to grey or RGB by layershuffle-onnx's
 * {@link ImageInput} ({@link #preprocessing}), so a model trained here and served through an {@code ImageInput}
 * with {@link ImageInput.Fit#CENTER_CROP} sees the same pixels.
 *
 * <pre>{@code
 * ImageDataset flowers = ImageFolder.read(Path.of("flowers/train"), 64, 3);
 * DatasetSplits splits = ImageFolder.splits(Path.of("flowers"), 64, 3, 0);  // uses train/ val/ test/ if there
 * ImageDataset imagenet = ImageFolder.open(Path.of("imagenet/train"), 224, 3);  // decoded as batches need them
 * }</pre>
 *
 * <p>Hidden entries are skipped, as are files whose extension is not an image's; a class folder with no image,
 * a root with no class folder and an image that cannot be decoded are refused with an error naming it.
 */
public final class ImageFolder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "wbmp");
    /** Share of the images that {@link #splits} holds out each for validation and test, in a flat tree. */
    public static final double HOLD_OUT = 0.1;

    private ImageFolder() {
    }

    /**
     * The image preprocessing of training: {@link ImageInput} with {@link ImageInput.Fit#CENTER_CROP} and the
     * default pixel cap ({@link ImageInput#DEFAULT_MAX_PIXELS}, checked from each file's header). Serve a model
     * trained on an image folder with this input (or {@code ImageInput.builder(config).optFit(CENTER_CROP)}) to
     * give it the pixels it was trained on.
     *
     * @param imageSize the side every image is resized to
     * @param channels  1 (grey) or 3 (RGB)
     * @throws IllegalArgumentException if {@code imageSize < 1} or {@code channels} is not 1 or 3
     */
    public static ImageInput preprocessing(int imageSize, int channels) {
        return ImageInput.builder().setChannels(channels).setImageSize(imageSize).optFit(ImageInput.Fit.CENTER_CROP)
                .build();
    }

    /**
     * Reads every image under {@code root}'s class folders.
     *
     * @param imageSize the side every image is resized to
     * @param channels  1 (grey) or 3 (RGB)
     * @throws IllegalArgumentException if {@code imageSize < 1} or {@code channels} is not 1 or 3
     * @throws LayerShuffleException    naming the folder or file at fault
     */
    public static ImageDataset read(Path root, int imageSize, int channels) {
        return decode(root, list(root, imageSize, channels), imageSize, channels);
    }

    private static ImageDataset decode(Path root, Listing listing, int imageSize, int channels) {
        long start = System.nanoTime();
        int length = channels * imageSize * imageSize;
        long values = (long) listing.files().size() * length;
        if (values > Integer.MAX_VALUE - 16) {
            throw new LayerShuffleException("image folder " + root + ": " + listing.files().size() + " images of "
                    + channels + "x" + imageSize + "x" + imageSize + " are " + values + " values, more than one "
                    + "in-memory dataset holds (2^31); use ImageFolder.open, which decodes images when asked for");
        }
        float[] pixels = new float[(int) values];
        ImageInput input = preprocessing(imageSize, channels);
        IntStream.range(0, listing.files().size()).parallel()
                .forEach(i -> input.pixels(input.decode(listing.files().get(i)), pixels, i * length));
        LOG.debug("decoded {} images of {} classes under {} in {} ms", listing.files().size(),
                listing.classNames().size(), root, (System.nanoTime() - start) / 1_000_000);
        return ImageDataset.of("image folder " + root, pixels, listing.labels(), channels, imageSize, imageSize,
                listing.classNames());
    }

    /**
     * Lists the images under {@code root}'s class folders and decodes each only when it is asked for (a batch
     * decodes its images in parallel): for trees too large to hold in memory, such as ImageNet. The folder
     * checks are those of {@link #read}; an unreadable image is reported when it is first decoded.
     *
     * @throws IllegalArgumentException as {@link #read}
     * @throws LayerShuffleException    naming the folder at fault
     */
    public static ImageDataset open(Path root, int imageSize, int channels) {
        Listing listing = list(root, imageSize, channels);
        return ImageDataset.ofFiles("image folder " + root, listing.files(), listing.labels(), channels, imageSize,
                listing.classNames());
    }

    /**
     * {@link #read} when the decoded images take at most a quarter of the maximum heap, else {@link #open}.
     */
    static ImageDataset load(Path root, int imageSize, int channels) {
        return load(root, imageSize, channels, Runtime.getRuntime().maxMemory() / 4);
    }

    static ImageDataset load(Path root, int imageSize, int channels, long memoryBudgetBytes) {
        Listing listing = list(root, imageSize, channels);
        long bytes = 4L * listing.files().size() * channels * imageSize * imageSize;
        if (bytes <= memoryBudgetBytes && bytes / 4 <= Integer.MAX_VALUE - 16) {
            return decode(root, listing, imageSize, channels);
        }
        LOG.info("image folder {}: {} images would take {} MiB decoded; decoding them as they are used",
                root, listing.files().size(), bytes >> 20);
        return ImageDataset.ofFiles("image folder " + root, listing.files(), listing.labels(), channels, imageSize,
                listing.classNames());
    }

    /** The image files under a class tree, their labels and the class names. */
    private record Listing(List<Path> files, int[] labels, List<String> classNames) {
    }

    private static Listing list(Path root, int imageSize, int channels) {
        Objects.requireNonNull(root, "root");
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be at least 1, was " + imageSize);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), was " + channels);
        }
        List<Path> classDirs = classFolders(root);
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images = imageFiles(dir);
            if (images.isEmpty()) {
                throw new LayerShuffleException("class folder " + dir + " holds no images (expected files ending "
                        + "in ." + String.join(", .", EXTENSIONS.stream().sorted().toList()) + ")");
            }
            for (Path image : images) {
                files.add(image);
                labels.add(classNames.size());
            }
            classNames.add(dir.getFileName().toString());
        }
        return new Listing(files, labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
    }

    /**
     * Train, validation and test parts of an image tree. If {@code root} has a {@code train} folder, that is
     * the train part, {@code val} (or {@code validation}) the validation part and {@code test} the test part
     * (the validation part when there is no {@code test}). Otherwise {@code root} itself is the class tree
     * and {@link #HOLD_OUT} of it, chosen with {@code seed}, is held out for each of validation and test.
     * A part whose decoded images would take more than a quarter of the maximum heap is decoded on demand
     * ({@link #open}) instead of held in memory.
     *
     * @throws IllegalArgumentException as {@link #read}, or if the parts' class names differ
     * @throws LayerShuffleException    naming the folder or file at fault, or if {@code train} exists without
     *                                  a validation folder, or a flat tree has fewer than 3 images
     */
    public static DatasetSplits splits(Path root, int imageSize, int channels, long seed) {
        Path train = root.resolve("train");
        if (Files.isDirectory(train)) {
            Path val = firstDirectory(root, "val", "validation", "valid");
            if (val == null) {
                throw new LayerShuffleException("image folder " + root + " has a train folder but no val or "
                        + "validation folder next to it");
            }
            Path test = firstDirectory(root, "test");
            ImageDataset validation = load(val, imageSize, channels);
            return new DatasetSplits(load(train, imageSize, channels), validation,
                    test == null ? validation : load(test, imageSize, channels));
        }
        ImageDataset all = load(root, imageSize, channels);
        if (all.count() < 3) {
            throw new LayerShuffleException("image folder " + root + " holds " + all.count() + " images; "
                    + "splitting it into train, validation and test needs at least 3");
        }
        int held = Math.max(1, (int) Math.round(all.count() * HOLD_OUT));
        ImageDataset[] first = all.split(2 * held, seed);
        ImageDataset[] evaluation = first[0].split(held, seed + 1);
        return new DatasetSplits(first[1], evaluation[0].named(all.name() + " (validation part)"),
                evaluation[1].named(all.name() + " (test part)"));
    }

    private static Path firstDirectory(Path root, String... names) {
        for (String name : names) {
            if (Files.isDirectory(root.resolve(name))) {
                return root.resolve(name);
            }
        }
        return null;
    }

    private static List<Path> classFolders(Path root) {
        if (!Files.isDirectory(root)) {
            throw new LayerShuffleException("image folder " + root + " does not exist or is not a directory");
        }
        List<Path> dirs = list(root).filter(Files::isDirectory).toList();
        if (dirs.isEmpty()) {
            throw new LayerShuffleException("image folder " + root + " has no class folders; expected one "
                    + "sub-folder of images per class, e.g. " + root.resolve("cat").resolve("001.png"));
        }
        return dirs;
    }

    private static List<Path> imageFiles(Path dir) {
        return list(dir).filter(Files::isRegularFile).filter(ImageFolder::isImage).toList();
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The non-hidden entries of {@code dir}, sorted by name. */
    private static Stream<Path> list(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList().stream();
        } catch (IOException e) {
            throw new LayerShuffleException("cannot list folder " + dir + ": " + e, e);
        }
    }
}
