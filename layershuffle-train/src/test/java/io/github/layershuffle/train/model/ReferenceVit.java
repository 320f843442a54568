package io.github.layershuffle.train.model;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.checkpoint.Checkpoint;

/**
 * docs/FORMATS.md "What each part computes", written out loop by loop in double precision with no
 * framework, one image at a time: the oracle the DJL model is checked against.
 */
final class ReferenceVit {
    private final ModelConfig c;
    private final Checkpoint w;
    private final int d;
    private final int t;

    ReferenceVit(Checkpoint checkpoint) {
        this.w = checkpoint;
        this.c = checkpoint.config();
        this.d = c.width();
        this.t = c.tokenCount();
    }

    /** Class logits of image {@code b}; if {@code positionLogits} is not null, fills [slot][L] (-predict). */
    double[] forward(float[] pixels, int b, ExecutionPlan plan, double[][] positionLogits) {
        double[][] z = stem(pixels, b);
        for (int slot = 0; slot < plan.size(); slot++) {
            int i = plan.block(slot);
            String p = "blocks." + i + ".";
            if (c.variant().usesPosition()) {
                int f = c.positionEmbeddingWidth();
                // FORMATS.md: one table shared by all blocks, or each block's own
                String table = c.slotTable() == SlotTable.SHARED ? "encoder.slot_table" : p + "pos.embed";
                float[] embed = w.tensor(table).data();
                double[][] h = new double[t][d + f];
                for (int k = 0; k < t; k++) {
                    System.arraycopy(z[k], 0, h[k], 0, d);
                    for (int j = 0; j < f; j++) {
                        h[k][d + j] = embed[slot * f + j];
                    }
                }
                add(z, gelu(linear(norm(h, p + "pos.norm"), p + "pos.proj")));
            }
            add(z, linear(attention(norm(z, p + "norm1"), p), p + "attn.proj"));
            add(z, linear(gelu(linear(norm(z, p + "norm2"), p + "mlp.fc1")), p + "mlp.fc2"));
            if (positionLogits != null) {
                double[][] mean = new double[1][d];
                for (double[] token : z) {
                    for (int j = 0; j < d; j++) {
                        mean[0][j] += token[j] / t;
                    }
                }
                positionLogits[slot] = linear(norm(mean, p + "predict.norm"), p + "predict.fc")[0];
            }
        }
        return linear(norm(new double[][] {z[0]}, "head.norm"), "head.fc")[0];
    }

    private double[][] stem(float[] pixels, int b) {
        int ch = c.channels();
        int size = c.imageSize();
        int ps = c.patchSize();
        int side = c.patchesPerSide();
        float[] kernel = w.tensor("stem.patch.weight").data();
        float[] bias = w.tensor("stem.patch.bias").data();
        float[] cls = w.tensor("stem.cls_token").data();
        float[] pos = w.tensor("stem.pos_embed").data();
        double[][] z = new double[t][d];
        for (int j = 0; j < d; j++) {
            z[0][j] = cls[j];
        }
        for (int py = 0; py < side; py++) {
            for (int px = 0; px < side; px++) {
                double[] token = z[1 + py * side + px];
                for (int o = 0; o < d; o++) {
                    double s = bias[o];
                    for (int k = 0; k < ch; k++) {
                        double mean = c.pixelMean().get(k);
                        double std = c.pixelStd().get(k);
                        for (int y = 0; y < ps; y++) {
                            for (int x = 0; x < ps; x++) {
                                int row = py * ps + y;
                                int col = px * ps + x;
                                double v = (pixels[((b * ch + k) * size + row) * size + col] - mean) / std;
                                s += kernel[((o * ch + k) * ps + y) * ps + x] * v;
                            }
                        }
                    }
                    token[o] = s;
                }
            }
        }
        for (int k = 0; k < t; k++) {
            for (int j = 0; j < d; j++) {
                z[k][j] += pos[k * d + j];
            }
        }
        return z;
    }

    private double[][] attention(double[][] x, String p) {
        double[][] qkv = linear(x, p + "attn.qkv");
        int heads = c.heads();
        int hd = d / heads;
        double[][] out = new double[t][d];
        for (int h = 0; h < heads; h++) {
            for (int q = 0; q < t; q++) {
                double[] scores = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < t; k++) {
                    double s = 0;
                    for (int j = 0; j < hd; j++) {
                        s += qkv[q][h * hd + j] * qkv[k][d + h * hd + j];
                    }
                    scores[k] = s / Math.sqrt(hd);
                    max = Math.max(max, scores[k]);
                }
                double sum = 0;
                for (int k = 0; k < t; k++) {
                    scores[k] = Math.exp(scores[k] - max);
                    sum += scores[k];
                }
                for (int k = 0; k < t; k++) {
                    for (int j = 0; j < hd; j++) {
                        out[q][h * hd + j] += scores[k] / sum * qkv[k][2 * d + h * hd + j];
                    }
                }
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String name) {
        float[] weight = w.tensor(name + ".weight").data();
        float[] bias = w.tensor(name + ".bias").data();
        int out = bias.length;
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += weight[o * in + i] * x[r][i];
                }
                y[r][o] = s;
            }
        }
        return y;
    }

    private double[][] norm(double[][] x, String name) {
        float[] gamma = w.tensor(name + ".weight").data();
        float[] beta = w.tensor(name + ".bias").data();
        double[][] y = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            int n = x[r].length;
            double mean = 0;
            for (double v : x[r]) {
                mean += v / n;
            }
            double var = 0;
            for (double v : x[r]) {
                var += (v - mean) * (v - mean) / n;
            }
            y[r] = new double[n];
            for (int i = 0; i < n; i++) {
                y[r][i] = (x[r][i] - mean) / Math.sqrt(var + c.layerNormEps()) * gamma[i] + beta[i];
            }
        }
        return y;
    }

    private static double[][] gelu(double[][] x) {
        for (double[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] = 0.5 * row[i] * (1 + erf(row[i] / Math.sqrt(2)));
            }
        }
        return x;
    }

    private static void add(double[][] z, double[][] delta) {
        for (int k = 0; k < z.length; k++) {
            for (int j = 0; j < z[k].length; j++) {
                z[k][j] += delta[k][j];
            }
        }
    }

    /** erf by the Chebyshev fit of Numerical Recipes' erfcc; relative error below 1.2e-7. */
    static double erf(double x) {
        double z = Math.abs(x);
        double u = 1 / (1 + 0.5 * z);
        double ans = u * Math.exp(-z * z - 1.26551223 + u * (1.00002368 + u * (0.37409196 + u * (0.09678418
                + u * (-0.18628806 + u * (0.27886807 + u * (-1.13520398 + u * (1.48851587
                + u * (-0.82215223 + u * 0.17087277)))))))));
        return x >= 0 ? 1 - ans : ans - 1;
    }
}
