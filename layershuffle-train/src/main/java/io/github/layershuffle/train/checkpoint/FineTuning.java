package io.github.layershuffle.train.checkpoint;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.train.model.Initialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares a checkpoint as the start of a fine-tuning run with another config: another variant (a baseline
 * base model fine-tuned as LayerShuffle-position), other classes, other training hyper-parameters. The
 * family is kept, so blocks of every model fine-tuned from one base can be composed.
 *
 * <pre>{@code
 * Checkpoint base = Checkpoint.read(Path.of("base/best.safetensors"));
 * ModelConfig target = base.config().withVariant(Variant.LAYERSHUFFLE_POSITION);
 * Checkpoint start = FineTuning.adapt(base, target, FineTuning.Head.KEEP, 42);
 * }</pre>
 *
 * <p>Tensors the target shares with the source (same name and shape) are copied. Tensors only the target
 * has, the slot embedding and projection of -position or the predictor of -predict, take their
 * {@link Initialization} values (the slot embedding starts at zero, so the fine-tuned model starts out
 * computing what the base computed plus a learned function of the block input). Tensors only the source
 * has are dropped.
 */
public final class FineTuning {
    private static final Logger LOG = LoggerFactory.getLogger(FineTuning.class);

    /** What happens to the classifier head. */
    public enum Head {
        /** Keep it; the source and target must have the same number of classes. */
        KEEP,
        /** Keep it if the number of classes is unchanged, else start it afresh. */
        REINITIALIZE_IF_CLASSES_DIFFER,
        /** Always start it afresh. */
        REINITIALIZE
    }

    private FineTuning() {
    }

    /**
     * The source's weights laid out for {@code target}.
     *
     * @param source the trained model to start from
     * @param target the config to fine-tune as; must match the source in image size, channels, patch
     *               size, width, depth, heads and MLP width
     * @param head   what to do with the classifier head
     * @param seed   seed of the {@link Initialization} values of new tensors
     * @throws LayerShuffleException naming the config field that differs, or the classes when {@code head}
     *                               is {@link Head#KEEP} and they differ
     */
    public static Checkpoint adapt(Checkpoint source, ModelConfig target, Head head, long seed) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(head, "head");
        ModelConfig from = source.config();
        same("imageSize", from.imageSize(), target.imageSize());
        same("channels", from.channels(), target.channels());
        same("patchSize", from.patchSize(), target.patchSize());
        same("width", from.width(), target.width());
        same("depth", from.depth(), target.depth());
        same("heads", from.heads(), target.heads());
        same("mlpWidth", from.mlpWidth(), target.mlpWidth());
        boolean classesDiffer = from.classes() != target.classes();
        if (classesDiffer && head == Head.KEEP) {
            throw new LayerShuffleException("the checkpoint has " + from.classes() + " classes, the target "
                    + target.classes() + "; re-initialise the head to change them");
        }
        boolean freshHead = head == Head.REINITIALIZE || classesDiffer;
        if (from.layerNormEps() != target.layerNormEps()) {
            LOG.warn("fine-tuning with layerNormEps {} from a checkpoint trained with {}", target.layerNormEps(),
                    from.layerNormEps());
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<String> fresh = new ArrayList<>();
        for (Map.Entry<String, long[]> e : VitLayout.shapes(target).entrySet()) {
            String name = e.getKey();
            Tensor t = source.tensors().get(name);
            boolean keep = t != null && t.hasShape(e.getValue()) && !(freshHead && name.startsWith("head."));
            if (keep) {
                tensors.put(name, t);
            } else {
                tensors.put(name, Initialization.tensor(name, e.getValue(), seed));
                fresh.add(name);
            }
        }
        List<String> dropped = source.tensors().keySet().stream().filter(n -> !tensors.containsKey(n)).toList();
        LOG.info("fine-tuning {} -> {}: {} tensors kept, {} new, {} dropped", from.variant(), target.variant(),
                tensors.size() - fresh.size(), fresh.size(), dropped.size());
        LOG.debug("new tensors {}, dropped {}", fresh, dropped);

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("source", "fine-tuning");
        meta.put("parent_variant", from.variant().id());
        String parentEpoch = source.metadata().get("epoch");
        if (parentEpoch != null) {
            meta.put("parent_epoch", parentEpoch);
        }
        return new Checkpoint(target, source.family(), meta, tensors);
    }

    private static void same(String field, int source, int target) {
        if (source != target) {
            throw new LayerShuffleException("cannot fine-tune into another " + field + ": the checkpoint has "
                    + source + ", the target config " + target);
        }
    }
}
