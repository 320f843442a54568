package io.github.layershuffle.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.cli.experiment.Experiment;
import io.github.layershuffle.cli.experiment.ExperimentListener;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.HuggingFaceVit;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.data.ImageFolder;
import io.github.layershuffle.train.eval.CheckpointMerge;
import io.github.layershuffle.train.model.VisionTransformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The {@code paper} preset's path at full size, cut to a few steps: import a Hugging Face ViT-B/16 file
 * ({@link HuggingFaceVit}, what {@code experiment --preset paper --init-hf} does), fine-tune every method on an
 * image folder, checkpoint, evaluate (sequential, random, keep 6), merge, export and compose in ONNX Runtime,
 * all through {@link Experiment} with {@link ExperimentSettings#paper()} cut down by {@link #settings}; then
 * {@link #parity} of ONNX Runtime against DJL at that size.
 */
public final class PaperPath {
    private PaperPath() {
    }

    /**
     * The paper preset with the sizes of a CPU check: one fine-tuning epoch of {@code trainImages} at
     * {@code batch}, one seed (two for LayerShuffle, the merge method), one evaluation seed, 6 blocks kept and
     * all (only all below 6 blocks), one merge, LayerShuffle exported and measured on ONNX Runtime, no probe and
     * no controls, {@code evalImages} for validation, test and the diagnostics.
     *
     * @throws IllegalArgumentException as {@link ExperimentSettings}'s constructor
     */
    public static ExperimentSettings settings(ModelConfig model, int batch, int trainImages, int evalImages) {
        ExperimentSettings p = ExperimentSettings.paper();
        return new ExperimentSettings(p.preset(), model, 0, p.baseLearningRate(), 1, p.fineTuneLearningRate(), batch,
                trainImages, evalImages, evalImages, p.methods(), 1, 1,
                List.copyOf(new java.util.TreeSet<>(List.of(Math.min(6, model.depth()), model.depth()))), 1,
                evalImages, List.of(), List.of(Variant.LAYERSHUFFLE), Math.min(batch, evalImages), 0,
                p.fineTuneLinearDecay(), List.of(Variant.LAYERSHUFFLE), 2, List.of(), evalImages);
    }

    /** The imported file as the paper preset starts from it: its head re-made for the folder's classes. */
    public static Checkpoint initial(Path hfFile, DatasetSplits splits) {
        Checkpoint hf = HuggingFaceVit.read(hfFile);
        return FineTuning.adapt(hf, hf.config().toBuilder().classes(splits.classNames().size())
                        .labels(splits.classNames()).variant(Variant.BASELINE).build(),
                FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, 0);
    }

    /** The image folder's splits at the file's image size, as {@code experiment --preset paper} reads them. */
    public static DatasetSplits splits(Path hfFile, Path data) {
        ModelConfig c = HuggingFaceVit.read(hfFile).config();
        return ImageFolder.splits(data, c.imageSize(), c.channels(), 0);
    }

    /** Runs (or resumes: finished units are skipped) the cut-down paper experiment in {@code runDir}. */
    public static ExperimentResult experiment(Checkpoint initial, DatasetSplits splits, ExperimentSettings settings,
                                              Path runDir, ExperimentListener listener) {
        return Experiment.builder().setSettings(settings.withModel(initial.config())).setData(splits)
                .setDirectory(runDir).optInitial(initial).optCommand("layershuffle bench --model vit-b16")
                .optListener(listener).build().run();
    }

    /** The checkpoint the experiment keeps for a method and seed. */
    public static Path checkpoint(Path runDir, Variant method, int seed) {
        return runDir.resolve("train").resolve(method.id() + "-s" + seed).resolve("best.safetensors");
    }

    /**
     * ONNX Runtime against DJL on the same images and plan: the largest absolute logit difference, the
     * largest absolute DJL logit, and whether every image's top class agrees.
     *
     * @param case_      what was compared, e.g. {@code layershuffle-s1, random plan}
     * @param plan       the order both ran
     * @param maxAbs     max |ORT - DJL| over every logit
     * @param maxLogit   max |DJL| over every logit
     * @param sameTop1   whether the predicted class of every image agrees
     */
    public record Parity(String case_, ExecutionPlan plan, double maxAbs, double maxLogit, boolean sameTop1) {
        /** {@code maxAbs} relative to the largest logit. */
        public double relative() {
            return maxAbs / maxLogit;
        }
    }

    /**
     * Compares, on {@code images} images of {@code data}: the LayerShuffle seed 1 model of the run in the
     * sequential and a random plan, and a random merge of the LayerShuffle models of seeds 1 and 2 in the
     * sequential plan and a random one. Exports go under {@code work}.
     */
    public static List<Parity> parity(Path runDir, ImageDataset data, int images, Path work) {
        Checkpoint ls1 = Checkpoint.read(checkpoint(runDir, Variant.LAYERSHUFFLE, 1));
        Checkpoint ls2 = Checkpoint.read(checkpoint(runDir, Variant.LAYERSHUFFLE, 2));
        int depth = ls1.config().depth();
        List<CheckpointMerge.Slot> slots = CheckpointMerge.randomSlots(2, depth, new SplittableRandom(11));
        Checkpoint merged = CheckpointMerge.merge(List.of(new CheckpointMerge.Source("layershuffle-s1", ls1),
                new CheckpointMerge.Source("layershuffle-s2", ls2)), slots);
        ExecutionPlan sequential = ExecutionPlan.sequential(depth);
        ExecutionPlan random = ExecutionPolicy.random(7).planForPass(depth, 0);
        ImageDataset sample = data.sample(Math.min(images, data.count()), 5);
        List<Parity> out = new ArrayList<>();
        out.addAll(compare("layershuffle-s1", ls1, work.resolve("parity-layershuffle-s1"), sample,
                List.of(sequential, random)));
        out.addAll(compare("merge of layershuffle-s1 and -s2", merged, work.resolve("parity-merge"), sample,
                List.of(sequential, random)));
        return out;
    }

    private static List<Parity> compare(String name, Checkpoint checkpoint, Path exportDir, ImageDataset sample,
                                        List<ExecutionPlan> plans) {
        ModelConfig c = checkpoint.config();
        int n = sample.count();
        int side = c.imageSize();
        float[] flat = new float[n * c.channels() * side * side];
        float[][][][] pixels = new float[n][c.channels()][side][side];
        for (int i = 0; i < n; i++) {
            float[] image = sample.image(i);
            System.arraycopy(image, 0, flat, i * image.length, image.length);
            for (int ch = 0, k = 0; ch < c.channels(); ch++) {
                for (int y = 0; y < side; y++, k += side) {
                    System.arraycopy(image, k, pixels[i][ch][y], 0, side);
                }
            }
        }
        Path export = OnnxExporter.builder().optOverwrite(true).build().export(checkpoint, exportDir);
        List<Parity> out = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
             LayerShuffleModel ort = LayerShuffleModel.load(export, RuntimeOptions.builder().intraOpThreads(1).build())) {
            VisionTransformer djl = ModelCheckpoints.newModel(checkpoint, manager);
            NDArray input = manager.create(flat, new Shape(n, c.channels(), side, side));
            for (ExecutionPlan plan : plans) {
                float[] d;
                try (NDArray logits = djl.predict(input, plan).logits()) {
                    d = logits.toFloatArray();
                }
                float[][] o = ort.predict(pixels, plan).logits();
                double maxAbs = 0;
                double maxLogit = 0;
                boolean same = true;
                int k = c.classes();
                for (int i = 0; i < n; i++) {
                    int topD = 0;
                    int topO = 0;
                    for (int j = 0; j < k; j++) {
                        maxAbs = Math.max(maxAbs, Math.abs(o[i][j] - d[i * k + j]));
                        maxLogit = Math.max(maxLogit, Math.abs(d[i * k + j]));
                        topD = d[i * k + j] > d[i * k + topD] ? j : topD;
                        topO = o[i][j] > o[i][topO] ? j : topO;
                    }
                    same &= topD == topO;
                }
                out.add(new Parity(name + (plan.isSequential() ? ", sequential" : ", random plan " + plan.blocks()),
                        plan, maxAbs, maxLogit, same));
            }
        }
        return out;
    }
}
