package io.github.layershuffle.cli;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageFolder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns {@code --data DIR} into dataset splits: Fashion-MNIST IDX files if the directory has them, else an
 * image tree.
 */
final class DataSource {
    private DataSource() {
    }

    /**
     * The splits of {@code dir} for a model taking {@code channels x imageSize x imageSize} images.
     *
     * @throws LayerShuffleException naming the directory when it is missing, or when Fashion-MNIST does not
     *                               fit the model's image shape
     */
    static DatasetSplits load(Path dir, int imageSize, int channels, long seed) {
        if (!Files.isDirectory(dir)) {
            String hint = dir.equals(FashionMnist.DEFAULT_DIRECTORY)
                    ? "; install Debian's dataset-fashion-mnist package or pass --data DIR" : "";
            throw new LayerShuffleException("data directory " + dir + " does not exist" + hint);
        }
        if (FashionMnist.isPresent(dir)) {
            if (imageSize != FashionMnist.IMAGE_SIZE || channels != 1) {
                throw new LayerShuffleException("Fashion-MNIST in " + dir + " has 28x28 grey images; the model "
                        + "takes " + imageSize + "x" + imageSize + " with " + channels + " channel(s)");
            }
            return FashionMnist.splits(dir);
        }
        return ImageFolder.splits(dir, imageSize, channels, seed);
    }
}
