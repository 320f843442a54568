package io.github.layershuffle.cli.report;

import io.github.layershuffle.api.Variant;
import java.util.Map;
import java.util.Optional;

/**
 * The paper's own ImageNet2012 numbers (ViT-B/16), quoted exactly from its text
 * ({@code reference/layershuffle-paper.txt}), to print beside ours. Accuracies in percent.
 */
public final class PaperNumbers {
    private PaperNumbers() {
    }

    /**
     * A quoted figure.
     *
     * @param text    as the paper prints it, e.g. {@code 62.77 ± 0.41 %}
     * @param percent its mean, in percent
     */
    public record Quote(String text, double percent) {
    }

    private static final Map<Variant, Quote> SEQUENTIAL = Map.of(
            Variant.BASELINE, new Quote("82.61 ± 0.08 %", 82.61),
            Variant.LAYERSHUFFLE, new Quote("75.22 ± 0.28 %", 75.22),
            Variant.LAYERSHUFFLE_POSITION, new Quote("75.28 ± 0.18 %", 75.28),
            Variant.LAYERSHUFFLE_PREDICT, new Quote("74.41 ± 0.20 %", 74.41));

    private static final Map<Variant, Quote> ARBITRARY = Map.of(
            Variant.BASELINE, new Quote("0.13 ± 0.03 %", 0.13),
            Variant.LAYERSHUFFLE, new Quote("62.77 ± 0.41 %", 62.77),
            Variant.LAYERSHUFFLE_POSITION, new Quote("63.61 ± 0.23 %", 63.61),
            Variant.LAYERSHUFFLE_PREDICT, new Quote("61.18 ± 1.06 %", 61.18));

    /** Table 1, sequential order; LayerDrop is not in the paper's Table 1 (only in Figure 1b/1c). */
    public static Optional<Quote> table1Sequential(Variant method) {
        return Optional.ofNullable(SEQUENTIAL.get(method));
    }

    /** Table 1, arbitrary order; LayerDrop is not in the paper's Table 1. */
    public static Optional<Quote> table1Arbitrary(Variant method) {
        return Optional.ofNullable(ARBITRARY.get(method));
    }

    /** Table 2: "ViT-B/16 merged", top-1, sequential order. */
    public static final Quote MERGED_BASELINE = new Quote("1.87 ± 6.51 %", 1.87);
    /** Table 2: "LayerShuffle merged", top-1, arbitrary order. */
    public static final Quote MERGED_LAYERSHUFFLE = new Quote("59.68 ± 1.15 %", 59.68);
    /** Table 2: "LayerShuffle Ensemble" of 12 models, top-1, arbitrary order. */
    public static final Quote ENSEMBLE_LAYERSHUFFLE = new Quote("69.20 %", 69.20);
    /** Section 4.1: share of correct slot predictions of LayerShuffle-predict. */
    public static final Quote POSITION_PREDICTION = new Quote("99.99 %", 99.99);
    /** Section 4.2, Figure 1b (read off the figure by the authors, approximate). */
    public static final String PRUNING_SEQUENTIAL = "with 3 layers LayerShuffle ≈ 18 % vs. close to 0 % for "
            + "LayerDrop; 6 layers roughly on par; 9 layers both in the 70–80 % range, LayerDrop slightly ahead";
    /** Section 4.2, Figure 1c. */
    public static final String PRUNING_SHUFFLED = "LayerShuffle is the only approach that succeeds, its accuracy "
            + "improving as layers are added; LayerDrop does not perform well regardless of the number of layers";
    /** Section 4.3 (UMAP of one layer's outputs, Figure 4). */
    public static final String PROBE = "the layer produces outputs in different subspaces of the latent space "
            + "depending on its current position (no sharp separation)";
}
