package io.github.layershuffle.train.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.RandomAccessDataset;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.model.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {
    @TempDir
    Path tmp;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Noisy copies of one fixed random template per class: learnable in a few epochs by a tiny ViT. */
    private RandomAccessDataset templates(ModelConfig config, int n, long seed) {
        int per = config.channels() * config.imageSize() * config.imageSize();
        float[][] template = new float[config.classes()][per];
        SplittableRandom fixed = new SplittableRandom(99);
        for (float[] t : template) {
            for (int j = 0; j < per; j++) {
                t[j] = (float) fixed.nextDouble(0.2, 0.8);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] px = new float[n * per];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            int k = i % config.classes();
            labels[i] = k;
            for (int j = 0; j < per; j++) {
                px[i * per + j] = (float) (template[k][j] + random.nextDouble(-0.15, 0.15));
            }
        }
        int size = config.imageSize();
        int c = config.channels();
        return new ArrayDataset.Builder()
                .setData(manager.create(px, new Shape(n, c, size, size)))
                .optLabels(manager.create(labels))
                .setSampling(8, false)
                .build();
    }

    private TrainingOptions options(int epochs, long seed) {
        return TrainingOptions.builder().epochs(epochs).batchSize(8).learningRate(2e-3).seed(seed)
                .devices(List.of(Device.cpu())).build();
    }

    /** Records every plan and epoch end. */
    private static final class Recorder implements ProgressListener {
        final List<ExecutionPlan> plans = new ArrayList<>();
        final List<Long> steps = new ArrayList<>();
        final List<EpochMetrics> epochs = new ArrayList<>();
        RunStart start;
        int validationBatches;

        @Override
        public void onRunStart(RunStart s) {
            start = s;
        }

        @Override
        public void onBatch(BatchProgress p) {
            plans.add(p.result().plan());
            steps.add(p.step());
        }

        @Override
        public void onValidationBatch(int epoch, int batch, int batches) {
            validationBatches++;
        }

        @Override
        public void onEpochEnd(EpochMetrics m) {
            epochs.add(m);
        }
    }

    @Test
    void trainsKeepsTheBestEpochAndWritesItsFiles() throws Exception {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE_PREDICT);
        Checkpoint start = ModelCheckpoints.fresh(config, 1);
        Recorder recorder = new Recorder();
        Path out = tmp.resolve("run");
        TrainingResult result = TrainingRun.builder().setStart(start)
                .setTrainingData(templates(config, 64, 1)).optValidationData(templates(config, 16, 2))
                .setOutputDirectory(out).optOptions(options(8, 3)).optListener(recorder).build().run();

        assertThat(recorder.plans).hasSize(8 * 8);
        assertThat(recorder.validationBatches).isEqualTo(8 * 2);
        assertThat(recorder.start.firstEpoch()).isEqualTo(1);
        assertThat(result.history()).hasSize(8).isEqualTo(recorder.epochs);
        EpochMetrics first = result.history().get(0);
        EpochMetrics last = result.history().get(7);
        assertThat(last.validationAccuracy()).isGreaterThanOrEqualTo(0.75);
        assertThat(last.validationLoss()).isLessThan(first.validationLoss() * 0.8);
        assertThat(last.validationPositionAccuracy()).isBetween(0.0, 1.0);
        EpochMetrics best = result.history().stream().min((a, b) -> Double.compare(a.validationLoss(),
                b.validationLoss())).orElseThrow();
        assertThat(result.bestEpoch()).isEqualTo(best.epoch());
        assertThat(result.bestLoss()).isEqualTo(best.validationLoss());

        Checkpoint bestFile = Checkpoint.read(result.best());
        assertThat(bestFile.metadata()).containsEntry("epoch", Integer.toString(best.epoch()));
        assertThat(bestFile.family()).isEqualTo(start.family());
        assertThat(Checkpoint.read(result.last()).metadata()).containsEntry("epoch", "8");
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(8);
        assertThat(EpochMetrics.fromJson(lines.get(7))).isEqualTo(last);
        assertThat(Files.readString(out.resolve("training-state.json"))).contains("\"train.steps\" : \"64\"");
    }

    /** Hands out another dataset's records and notes the threads that fetched them. */
    private static final class ThreadRecording extends RandomAccessDataset {
        final RandomAccessDataset inner;
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

        ThreadRecording(RandomAccessDataset inner) {
            super(new Sampling().setSampling(8, false));
            this.inner = inner;
        }

        @Override
        public ai.djl.training.dataset.Record get(NDManager m, long index) throws java.io.IOException {
            threads.add(Thread.currentThread().getName());
            return inner.get(m, index);
        }

        @Override
        protected long availableSize() {
            return inner.size();
        }

        @Override
        public void prepare(ai.djl.util.Progress progress) {
        }

        private static final class Sampling extends BaseBuilder<Sampling> {
            @Override
            protected Sampling self() {
                return this;
            }
        }
    }

    @Test
    void loaderThreadsPrepareBatchesOffTheTrainingThreadWithTheSameResult() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE);
        Checkpoint start = ModelCheckpoints.fresh(config, 4);
        ThreadRecording inline = new ThreadRecording(templates(config, 24, 5));
        ThreadRecording prefetched = new ThreadRecording(templates(config, 24, 5));
        TrainingResult a = TrainingRun.builder().setStart(start).setTrainingData(inline)
                .setOutputDirectory(tmp.resolve("inline")).optOptions(options(2, 7)).build().run();
        TrainingOptions withLoader = TrainingOptions.builder().epochs(2).batchSize(8).learningRate(2e-3).seed(7)
                .devices(List.of(Device.cpu())).loaderThreads(1).build();
        TrainingResult b = TrainingRun.builder().setStart(start).setTrainingData(prefetched)
                .setOutputDirectory(tmp.resolve("prefetched")).optOptions(withLoader).build().run();

        assertThat(inline.threads).containsExactly(Thread.currentThread().getName());
        assertThat(prefetched.threads).contains("layershuffle-loader");
        Checkpoint x = Checkpoint.read(a.last());
        Checkpoint y = Checkpoint.read(b.last());
        x.tensors().forEach((name, t) -> assertThat(y.tensor(name).data()).as(name).containsExactly(t.data()));
        assertThatThrownBy(() -> TrainingOptions.builder().loaderThreads(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loaderThreads");
    }

    @Test
    void resumeContinuesTheSamePlansDataAndOptimizerState() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE);
        Checkpoint start = ModelCheckpoints.fresh(config, 4);
        RandomAccessDataset train = templates(config, 24, 5);
        RandomAccessDataset val = templates(config, 8, 6);

        Recorder straight = new Recorder();
        TrainingResult a = TrainingRun.builder().setStart(start).setTrainingData(train).optValidationData(val)
                .setOutputDirectory(tmp.resolve("a")).optOptions(options(3, 7)).optListener(straight).build().run();

        Path b = tmp.resolve("b");
        TrainingRun.builder().setStart(start).setTrainingData(train).optValidationData(val)
                .setOutputDirectory(b).optOptions(options(1, 7)).build().run();
        Recorder resumed = new Recorder();
        TrainingResult r = TrainingRun.builder().setStart(start).setTrainingData(train).optValidationData(val)
                .setOutputDirectory(b).optOptions(options(3, 7)).optListener(resumed).optResume(true).build().run();

        assertThat(resumed.start.firstEpoch()).isEqualTo(2);
        assertThat(resumed.steps.get(0)).isEqualTo(3L);
        assertThat(resumed.plans).isEqualTo(straight.plans.subList(3, 9));
        assertThat(r.history()).hasSize(3);
        Checkpoint x = Checkpoint.read(a.last());
        Checkpoint y = Checkpoint.read(r.last());
        x.tensors().forEach((name, t) -> assertThat(y.tensor(name).data()).as(name).containsExactly(t.data()));
        assertThat(r.history().get(2).validationLoss()).isEqualTo(a.history().get(2).validationLoss());
    }

    @Test
    void refusesToOverwriteOrToResumeWithAnotherSeed() {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Checkpoint start = ModelCheckpoints.fresh(config, 4);
        RandomAccessDataset train = templates(config, 8, 5);
        Path dir = tmp.resolve("run");
        TrainingRun.builder().setStart(start).setTrainingData(train).setOutputDirectory(dir)
                .optOptions(options(1, 1)).build().run();
        assertThatThrownBy(() -> TrainingRun.builder().setStart(start).setTrainingData(train)
                .setOutputDirectory(dir).optOptions(options(2, 1)).build().run())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("already holds a run");
        assertThatThrownBy(() -> TrainingRun.builder().setStart(start).setTrainingData(train)
                .setOutputDirectory(dir).optOptions(options(2, 2)).optResume(true).build().run())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("train.seed 1");
        assertThatThrownBy(() -> TrainingRun.builder().setStart(start).setOutputDirectory(dir).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("setTrainingData");
    }

    @Test
    void droppingTheResumeStateKeepsTheBestAndThenRefusesANewRun() throws Exception {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Checkpoint start = ModelCheckpoints.fresh(config, 4);
        RandomAccessDataset train = templates(config, 8, 5);
        Path dir = tmp.resolve("finished");
        assertThatThrownBy(() -> TrainingRun.dropResumeState(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("no best.safetensors");
        TrainingResult r = TrainingRun.builder().setStart(start).setTrainingData(train).setOutputDirectory(dir)
                .optOptions(options(2, 1)).build().run();
        byte[] best = Files.readAllBytes(r.best());
        TrainingRun.dropResumeState(dir);
        TrainingRun.dropResumeState(dir); // twice is fine
        assertThat(dir.resolve("last.safetensors")).doesNotExist();
        assertThat(dir.resolve("last-optimizer.safetensors")).doesNotExist();
        assertThat(dir.resolve("metrics.jsonl")).isRegularFile();
        for (boolean resume : new boolean[] {false, true}) {
            assertThatThrownBy(() -> TrainingRun.builder().setStart(start).setTrainingData(train)
                    .setOutputDirectory(dir).optOptions(options(2, 1)).optResume(resume).build().run())
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining("resume state was dropped");
        }
        assertThat(Files.readAllBytes(r.best())).as("best.safetensors untouched").isEqualTo(best);
    }

    @Test
    void withoutValidationTheBestEpochIsChosenByTrainingLoss() {
        ModelConfig config = TestModels.tiny(Variant.LAYERDROP);
        TrainingResult r = TrainingRun.builder().setStart(ModelCheckpoints.fresh(config, 4))
                .setTrainingData(templates(config, 16, 5)).setOutputDirectory(tmp.resolve("r"))
                .optOptions(options(2, 1)).build().run();
        assertThat(r.history()).allSatisfy(m -> assertThat(m.validationLoss()).isNaN());
        assertThat(r.bestLoss()).isEqualTo(r.history().get(r.bestEpoch() - 1).trainLoss());
        assertThat(EpochMetrics.fromJson(r.history().get(0).toJson()).validationLoss()).isNaN();
    }

    @Test
    void aSecondTrainerOnTheSameDirectoryIsRefusedUntilTheFirstEnds() throws Exception {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Checkpoint start = ModelCheckpoints.fresh(config, 4);
        RandomAccessDataset train = templates(config, 8, 5);
        Path dir = Files.createDirectories(tmp.resolve("shared"));
        Recorder second = new Recorder();
        try (RunFiles.Lock first = new RunFiles(dir).lock()) {
            assertThatThrownBy(() -> TrainingRun.builder().setStart(start).setTrainingData(train)
                    .setOutputDirectory(dir).optOptions(options(1, 1)).optListener(second).build().run())
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining(dir.toString())
                    .hasMessageContaining("in use by another trainer").hasMessageContaining("run.lock")
                    .hasMessageContaining("process " + ProcessHandle.current().pid());
            assertThat(second.start).isNull();
            assertThat(dir.resolve("metrics.jsonl")).doesNotExist();
        }
        TrainingResult r = TrainingRun.builder().setStart(start).setTrainingData(train).setOutputDirectory(dir)
                .optOptions(options(1, 1)).build().run();
        assertThat(r.history()).hasSize(1);
        // the run released its lock when it ended
        new RunFiles(dir).lock().close();
    }

    @Test
    void aTornLastMetricsLineDoesNotBlockResume() throws Exception {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Checkpoint start = ModelCheckpoints.fresh(config, 4);
        RandomAccessDataset train = templates(config, 8, 5);
        Path dir = tmp.resolve("torn");
        TrainingRun.builder().setStart(start).setTrainingData(train).setOutputDirectory(dir)
                .optOptions(options(1, 1)).build().run();
        Path metrics = dir.resolve("metrics.jsonl");
        String whole = Files.readString(metrics);
        SplittableRandom random = new SplittableRandom(3);
        String torn = whole.substring(0, 1 + random.nextInt(whole.length() - 3)); // crash mid-append of epoch 2
        Files.writeString(metrics, whole + torn);
        TrainingResult r = TrainingRun.builder().setStart(start).setTrainingData(train).setOutputDirectory(dir)
                .optOptions(options(2, 1)).optResume(true).build().run();
        assertThat(r.history()).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(Files.readAllLines(metrics)).hasSize(2)
                .allSatisfy(line -> assertThat(EpochMetrics.fromJson(line)).isNotNull());
        // a bad line before the last is corruption, not a torn write, and is refused by line
        Files.writeString(metrics, torn + "\n" + whole);
        assertThatThrownBy(() -> TrainingRun.builder().setStart(start).setTrainingData(train).setOutputDirectory(dir)
                .optOptions(options(3, 1)).optResume(true).build().run())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("metrics.jsonl line 1");
    }
}
