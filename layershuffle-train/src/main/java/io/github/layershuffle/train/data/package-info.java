/**
 * Data for training and evaluation as DJL datasets: {@link io.github.layershuffle.train.data.FashionMnist}
 * from its IDX files, {@link io.github.layershuffle.train.data.ImageFolder} from an ImageNet-style class tree,
 * both as in-memory {@link io.github.layershuffle.train.data.ImageDataset}s with seeded splits and subsets,
 * and a seeded {@link io.github.layershuffle.train.data.ShuffleSampler}.
 */
package io.github.layershuffle.train.data;
