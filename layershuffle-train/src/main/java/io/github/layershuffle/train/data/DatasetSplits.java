package io.github.layershuffle.train.data;

import java.util.List;
import java.util.Objects;

/**
 * The three parts of a data source: {@code train} to fit on, {@code validation} to pick the best epoch with,
 * {@code test} to report on. All three have the same classes and image shape.
 *
 * @param train      the images to train on
 * @param validation the images held out for model selection
 * @param test       the images to report accuracy on
 */
public record DatasetSplits(ImageDataset train, ImageDataset validation, ImageDataset test) {

    /**
     * Checks that the three parts agree.
     *
     * @throws IllegalArgumentException naming the part whose classes or image shape differ from train's
     */
    public DatasetSplits {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(test, "test");
        check("validation", train, validation);
        check("test", train, test);
    }

    private static void check(String part, ImageDataset train, ImageDataset other) {
        if (!train.classNames().equals(other.classNames())) {
            throw new IllegalArgumentException("the " + part + " part (" + other.name() + ") has classes "
                    + other.classNames() + ", the train part (" + train.name() + ") " + train.classNames());
        }
        if (train.channels() != other.channels() || train.height() != other.height()
                || train.width() != other.width()) {
            throw new IllegalArgumentException("the " + part + " part (" + other.name() + ") has images of ["
                    + other.channels() + ", " + other.height() + ", " + other.width() + "], the train part ["
                    + train.channels() + ", " + train.height() + ", " + train.width() + "]");
        }
    }

    /** The class names, index = label. */
    public List<String> classNames() {
        return train.classNames();
    }

    /**
     * Keeps at most {@code trainSize} training images and at most {@code evalSize} validation and test images
     * each, chosen by {@link ImageDataset#sample(int, long)} with {@code seed}: for quick runs.
     *
     * @throws IllegalArgumentException if a size is below 1
     */
    public DatasetSplits limit(int trainSize, int evalSize, long seed) {
        return new DatasetSplits(train.sample(trainSize, seed), validation.sample(evalSize, seed + 1),
                test.sample(evalSize, seed + 2));
    }
}
