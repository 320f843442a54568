package io.github.layershuffle.samples.embed;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.image.ImageInput;
import io.github.layershuffle.onnx.runtime.Classification;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The smallest host application: loads an export directory and classifies image files under an execution policy
 * chosen on the command line, printing the plan that ran and the top 3 classes of each image.
 *
 * <pre>
 * java -jar layershuffle-sample-embed-app.jar --export exports/fashion-shuffle \
 *      --policy random --keep 6 --skip 3,7 shoe.png shirt.jpg
 * </pre>
 */
public final class EmbedApp {
    static final String USAGE = """
            Usage: embed-app --export DIR [--policy P] [--keep K] [--skip I,J,...] [--crop] IMAGE...

            Classifies PNG/JPEG images with a LayerShuffle export and prints the plan that ran and the top 3 classes.

              --export DIR   the export directory (manifest.json, stem.onnx, block-NN.onnx, head.onnx)
              --policy P     sequential (default), reversed, random, random:SEED or fixed:3,0,2
              --keep K       run only K blocks of the plan
              --skip I,J     leave these blocks out (applied before --keep)
              --crop         centre-crop images that are not square (default: stretch them)
              --help         this text
            """;

    private EmbedApp() {
    }

    /**
     * Runs the application and exits with its status: 0 when every image was classified, 1 on a failure, 2 on a
     * usage error.
     *
     * @param args the command line, see {@link #USAGE}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the application, printing to {@code out} and {@code err}, and returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Path export = null;
        String policyName = "sequential";
        int keep = 0;
        String skip = null;
        ImageInput.Fit fit = ImageInput.Fit.STRETCH;
        List<Path> images = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--export" -> export = Path.of(value(args, ++i, a));
                    case "--policy" -> policyName = value(args, ++i, a);
                    case "--keep" -> keep = number(value(args, ++i, a), a);
                    case "--skip" -> skip = value(args, ++i, a);
                    case "--crop" -> fit = ImageInput.Fit.CENTER_CROP;
                    default -> {
                        if (a.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                        images.add(Path.of(a));
                    }
                }
            }
            if (export == null || images.isEmpty()) {
                throw new IllegalArgumentException(export == null ? "--export DIR is required" : "no image given");
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try (LayerShuffleModel model = LayerShuffleModel.load(export)) {
            ExecutionPolicy policy = PolicyFlags.parse(policyName, keep, skip);
            ModelConfig c = model.config();
            ImageInput input = ImageInput.builder(c).optFit(fit).build();
            out.printf(Locale.ROOT, "model %s: %s, %d blocks, %dx%d %s, policy %s%s%s%s%n", export, c.variant(),
                    model.size(), c.imageSize(), c.imageSize(), c.channels() == 1 ? "grey" : "RGB", policyName,
                    keep > 0 ? " keep " + keep : "", skip != null ? " skip " + skip : "",
                    fit == ImageInput.Fit.CENTER_CROP ? ", centre crop" : "");
            int failed = 0;
            for (Path file : images) {
                try {
                    Prediction p = model.predict(input.read(List.of(file)), policy);
                    out.println(file + "  plan " + p.plan());
                    int rank = 1;
                    for (Classification k : p.topK(0, Math.min(3, p.classes()))) {
                        out.printf(Locale.ROOT, "  %d. %-16s %6.2f%%%n", rank++, k.label(), 100 * k.probability());
                    }
                } catch (LayerShuffleException | IllegalArgumentException e) {
                    // a file that is missing, not an image, truncated or too large: the message names it
                    failed++;
                    err.println("error: " + e.getMessage());
                }
            }
            return failed == 0 ? 0 : 1;
        } catch (RuntimeException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static int number(String v, String flag) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + v + " is not a whole number", e);
        }
    }
}
