package io.github.layershuffle.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {

    /** 10 images of [2, 3, 3]: every pixel of image i is i / 10; label i % 3. */
    static ImageDataset tiny() {
        float[] pixels = new float[10 * 18];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            labels[i] = i % 3;
            for (int p = 0; p < 18; p++) {
                pixels[i * 18 + p] = i / 10f;
            }
        }
        return ImageDataset.of("tiny", pixels, labels, 2, 3, 3, List.of("a", "b", "c"));
    }

    @Test
    void recordsAndBatchesHaveTheDocumentedShapesAndTypes() throws Exception {
        ImageDataset d = tiny().withSampler(ShuffleSampler.sequential(4));
        try (NDManager manager = NDManager.newBaseManager()) {
            Record r = d.get(manager, 7);
            assertThat(r.getData().head().getShape()).isEqualTo(new Shape(2, 3, 3));
            assertThat(r.getData().head().getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(r.getData().head().toFloatArray()[0]).isEqualTo(0.7f);
            assertThat(r.getLabels().head().getShape()).isEqualTo(new Shape());
            assertThat(r.getLabels().head().getLong()).isEqualTo(1L);

            List<Long> sizes = new ArrayList<>();
            List<Long> labels = new ArrayList<>();
            for (Batch batch : d.getData(manager)) {
                NDArray images = batch.getData().head();
                sizes.add(images.getShape().get(0));
                assertThat(images.getShape().slice(1)).isEqualTo(new Shape(2, 3, 3));
                assertThat(batch.getLabels().head().getDataType()).isEqualTo(DataType.INT64);
                for (long l : batch.getLabels().head().toLongArray()) {
                    labels.add(l);
                }
                batch.close();
            }
            assertThat(sizes).containsExactly(4L, 4L, 2L);
            assertThat(labels).containsExactly(0L, 1L, 2L, 0L, 1L, 2L, 0L, 1L, 2L, 0L);
        }
    }

    @Test
    void shuffledSamplerIsSeededPerEpochAndCoversEveryRecord() {
        ShuffleSampler a = ShuffleSampler.shuffled(3, 42);
        int[] e0 = a.order(10, 0);
        assertThat(ShuffleSampler.shuffled(3, 42).order(10, 0)).containsExactly(e0);
        assertThat(a.order(10, 1)).isNotEqualTo(e0).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        List<Long> seen = new ArrayList<>();
        a.sample(tiny()).forEachRemaining(seen::addAll);
        assertThat(seen).hasSize(10).doesNotHaveDuplicates();
        assertThat(a.nextEpoch()).isEqualTo(1);
        List<Long> resumed = new ArrayList<>();
        ShuffleSampler.shuffled(3, 42).startingAt(1).sample(tiny()).forEachRemaining(resumed::addAll);
        List<Long> second = new ArrayList<>();
        a.sample(tiny()).forEachRemaining(second::addAll);
        assertThat(resumed).isEqualTo(second);
        List<List<Long>> dropped = new ArrayList<>();
        ShuffleSampler.shuffled(3, 1).droppingLast().sample(tiny()).forEachRemaining(dropped::add);
        assertThat(dropped).hasSize(3);
    }

    @Test
    void sampleAndSubsetAreSeededViews() {
        ImageDataset d = tiny();
        ImageDataset s = d.sample(4, 9);
        assertThat(s.count()).isEqualTo(4);
        assertThat(d.sample(4, 9).labels()).containsExactly(s.labels());
        assertThat(d.sample(100, 9)).isSameAs(d);
        assertThat(d.subset(9, 0).image(0)[0]).isEqualTo(0.9f);
        assertThat(d.subset(9, 0).subset(1).image(0)[0]).isEqualTo(0f);
        assertThat(d.classCounts()).containsExactly(4, 3, 3);
        assertThatThrownBy(() -> d.subset(10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> d.split(10, 0)).hasMessageContaining("1 to 9");
    }

    @Test
    void ofChecksItsArguments() {
        assertThatThrownBy(() -> ImageDataset.of("x", new float[5], new int[] {0}, 1, 2, 2, List.of("a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 4 pixel values, got 5");
        assertThatThrownBy(() -> ImageDataset.of("x", new float[4], new int[] {1}, 1, 2, 2, List.of("a")))
                .hasMessageContaining("label 1 of image 0 is out of range [0, 1)");
    }
}
