package io.github.layershuffle.train.data;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.DataIterable;
import ai.djl.training.dataset.Sampler;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Pipeline;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * DJL's data iterable with a fetch that copies a whole batch out of the pixel array at once, instead of
 * creating one NDArray per record and stacking them. With a DJL pipeline set, records are transformed one by
 * one as DJL does.
 */
final class BulkIterable extends DataIterable {
    private final ImageDataset images;

    BulkIterable(ImageDataset dataset, NDManager manager, Sampler sampler, Batchifier dataBatchifier,
                 Batchifier labelBatchifier, Pipeline pipeline, Pipeline targetPipeline, ExecutorService executor,
                 int preFetchNumber, Device device) {
        super(dataset, manager, sampler, dataBatchifier, labelBatchifier, pipeline, targetPipeline, executor,
                preFetchNumber, device);
        this.images = dataset;
    }

    @Override
    protected Batch fetch(List<Long> indices, int progress) throws IOException {
        if (pipeline != null) {
            return super.fetch(indices, progress);
        }
        NDManager subManager = manager.newSubManager();
        subManager.setName("layershuffle batch");
        NDList both = images.batch(subManager, indices.stream().mapToLong(Long::longValue).toArray());
        NDList data = new NDList(both.get(0));
        NDList labels = new NDList(both.get(1));
        if (targetPipeline != null) {
            labels = targetPipeline.transform(labels);
        }
        if (device != null) {
            data = data.toDevice(device, false);
            labels = labels.toDevice(device, false);
        }
        return new Batch(subManager, data, labels, indices.size(), dataBatchifier, labelBatchifier, progress,
                dataset.size(), indices);
    }
}
