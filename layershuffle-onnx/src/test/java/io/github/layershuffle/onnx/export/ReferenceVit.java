package io.github.layershuffle.onnx.export;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.checkpoint.Checkpoint;

/**
 * The computations of {@code docs/FORMATS.md} ("What each part computes") as plain loops, accumulating in
 * double: the reference the exported graphs are held to. Deliberately written from the text, not from the
 * graph builder, so a shared mistake is unlikely.
 */
final class ReferenceVit {
    private final Checkpoint ckpt;
    private final ModelConfig c;
    private final int d;
    private final int t;

    ReferenceVit(Checkpoint ckpt) {
        this.ckpt = ckpt;
        this.c = ckpt.config();
        this.d = c.width();
        this.t = c.tokenCount();
    }

    /** pixels [B, C, H, W] -> tokens [B, T, D]. */
    float[] stem(float[] pixels, int batch) {
        int ch = c.channels();
        int img = c.imageSize();
        int p = c.patchSize();
        int side = c.patchesPerSide();
        float[] w = w("stem.patch.weight");
        float[] bias = w("stem.patch.bias");
        float[] cls = w("stem.cls_token");
        float[] pos = w("stem.pos_embed");
        float[] out = new float[batch * t * d];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < d; k++) {
                out[(b * t) * d + k] = (float) ((double) cls[k] + pos[k]);
            }
            for (int py = 0; py < side; py++) {
                for (int px = 0; px < side; px++) {
                    int token = 1 + py * side + px;
                    for (int k = 0; k < d; k++) {
                        double s = bias[k];
                        for (int cc = 0; cc < ch; cc++) {
                            double mean = c.pixelMean().get(cc);
                            double std = c.pixelStd().get(cc);
                            for (int ky = 0; ky < p; ky++) {
                                for (int kx = 0; kx < p; kx++) {
                                    double x = pixels[((b * ch + cc) * img + py * p + ky) * img + px * p + kx];
                                    s += w[((k * ch + cc) * p + ky) * p + kx] * ((x - mean) / std);
                                }
                            }
                        }
                        out[(b * t + token) * d + k] = (float) (s + pos[token * d + k]);
                    }
                }
            }
        }
        return out;
    }

    /** Block {@code i} running in slot {@code slot}: tokens [B, T, D] -> tokens [B, T, D]. */
    float[] block(int i, float[] tokens, int batch, int slot) {
        String p = "blocks." + i + ".";
        int rows = batch * t;
        float[] z = tokens.clone();
        if (c.variant().usesPosition()) {
            int f = c.positionEmbeddingWidth();
            // FORMATS.md: one table shared by all blocks, or each block's own
            float[] embed = w(c.slotTable() == SlotTable.SHARED ? "encoder.slot_table" : p + "pos.embed");
            float[] h = new float[rows * (d + f)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(z, r * d, h, r * (d + f), d);
                System.arraycopy(embed, slot * f, h, r * (d + f) + d, f);
            }
            float[] g = gelu(linear(layerNorm(h, rows, d + f, p + "pos.norm"), rows, d + f, p + "pos.proj"));
            add(z, g);
        }
        float[] a = attention(layerNorm(z, rows, d, p + "norm1"), batch, p);
        add(z, linear(a, rows, d, p + "attn.proj"));
        float[] m = gelu(linear(layerNorm(z, rows, d, p + "norm2"), rows, d, p + "mlp.fc1"));
        add(z, linear(m, rows, c.mlpWidth(), p + "mlp.fc2"));
        return z;
    }

    /** The -predict output of block {@code i} given its output tokens: [B, L]. */
    float[] positionLogits(int i, float[] blockOutput, int batch) {
        String p = "blocks." + i + ".";
        float[] mean = new float[batch * d];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < d; k++) {
                double s = 0;
                for (int tok = 0; tok < t; tok++) {
                    s += blockOutput[(b * t + tok) * d + k];
                }
                mean[b * d + k] = (float) (s / t);
            }
        }
        return linear(layerNorm(mean, batch, d, p + "predict.norm"), batch, d, p + "predict.fc");
    }

    /** tokens [B, T, D] -> logits [B, K]. */
    float[] head(float[] tokens, int batch) {
        float[] cls = new float[batch * d];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(tokens, b * t * d, cls, b * d, d);
        }
        return linear(layerNorm(cls, batch, d, "head.norm"), batch, d, "head.fc");
    }

    /** stem, blocks in the given order (slot = position in the order), head. */
    float[] forward(float[] pixels, int batch, int... order) {
        float[] x = stem(pixels, batch);
        for (int slot = 0; slot < order.length; slot++) {
            x = block(order[slot], x, batch, slot);
        }
        return head(x, batch);
    }

    private float[] attention(float[] x, int batch, String p) {
        int heads = c.heads();
        int hd = c.headWidth();
        float[] qkv = linear(x, batch * t, d, p + "attn.qkv");
        float[] out = new float[batch * t * d];
        double scale = 1.0 / Math.sqrt(hd);
        double[] scores = new double[t];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        double s = 0;
                        for (int e = 0; e < hd; e++) {
                            s += (double) qkv[(b * t + i) * 3 * d + h * hd + e]
                                    * qkv[(b * t + j) * 3 * d + d + h * hd + e];
                        }
                        scores[j] = s * scale;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int e = 0; e < hd; e++) {
                        double s = 0;
                        for (int j = 0; j < t; j++) {
                            s += scores[j] / sum * qkv[(b * t + j) * 3 * d + 2 * d + h * hd + e];
                        }
                        out[(b * t + i) * d + h * hd + e] = (float) s;
                    }
                }
            }
        }
        return out;
    }

    private float[] layerNorm(float[] x, int rows, int n, String prefix) {
        float[] w = w(prefix + ".weight");
        float[] bias = w(prefix + ".bias");
        float[] y = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int k = 0; k < n; k++) {
                mean += x[r * n + k];
            }
            mean /= n;
            double var = 0;
            for (int k = 0; k < n; k++) {
                double dx = x[r * n + k] - mean;
                var += dx * dx;
            }
            var /= n;
            double inv = 1.0 / Math.sqrt(var + c.layerNormEps());
            for (int k = 0; k < n; k++) {
                y[r * n + k] = (float) ((x[r * n + k] - mean) * inv * w[k] + bias[k]);
            }
        }
        return y;
    }

    /** x [rows, in] W^T + b with W [out, in], as PyTorch's Linear. */
    private float[] linear(float[] x, int rows, int in, String prefix) {
        float[] w = w(prefix + ".weight");
        float[] bias = w(prefix + ".bias");
        int out = bias.length;
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    private static float[] gelu(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (0.5 * x[i] * (1 + erf(x[i] / Math.sqrt(2))));
        }
        return y;
    }

    private static void add(float[] z, float[] delta) {
        for (int i = 0; i < z.length; i++) {
            z[i] += delta[i];
        }
    }

    /** erf to ~1e-14: Maclaurin series below 3, the erfc continued fraction above. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100; n++) {
                term *= -a * a / n;
                double next = term / (2 * n + 1);
                sum += next;
                if (Math.abs(next) < 1e-17) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double cf = a;
            for (int k = 80; k >= 1; k--) {
                cf = a + (k / 2.0) / cf;
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / cf;
        }
        return x < 0 ? -r : r;
    }

    private float[] w(String name) {
        return ckpt.tensor(name).data();
    }
}
