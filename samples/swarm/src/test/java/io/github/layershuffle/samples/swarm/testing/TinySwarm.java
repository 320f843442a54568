package io.github.layershuffle.samples.swarm.testing;

import io.github.layershuffle.api.ModelConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.cli.RandomExports;
import io.github.layershuffle.samples.swarm.client.ServerAddress;
import io.github.layershuffle.samples.swarm.client.SwarmClient;
import io.github.layershuffle.samples.swarm.client.SwarmResult;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.server.Parts;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Tiny random exports and loopback servers for the swarm tests. */
public final class TinySwarm {
    /** 8x8 grey images, patch 4 (T = 5), width 16, 3 blocks, 5 classes: each block call takes well under 1 ms. */
    public static ModelConfig config(Variant variant) {
        return ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(16).depth(3).heads(2).mlpWidth(32)
                .classes(5).variant(variant).positionEmbeddingWidth(4).build();
    }

    private TinySwarm() {
    }

    /** A random export of {@code config} in {@code dir}. */
    public static Path export(ModelConfig config, String family, long seed, Path dir) {
        return RandomExports.export(config, family, seed, dir);
    }

    /** A server on 127.0.0.1, an ephemeral port, hosting {@code parts} of {@code export}. */
    public static BlockServer server(Path export, String parts, ServerInterceptor... interceptors) {
        return server(export, parts, 0, interceptors);
    }

    /** A server on 127.0.0.1 and {@code port} hosting {@code parts} of {@code export}. */
    public static BlockServer server(Path export, String parts, int port, ServerInterceptor... interceptors) {
        return builder(export, parts, port, interceptors).start();
    }

    /** A builder of a server on 127.0.0.1 and {@code port} hosting {@code parts} of {@code export}, to add to. */
    public static BlockServer.Builder builder(Path export, String parts, int port, ServerInterceptor... interceptors) {
        BlockServer.Builder b = BlockServer.builder().host(export, Parts.parse(parts)).optPort(port)
                .optRuntimeOptions(RuntimeOptions.builder().intraOpThreads(1).build());
        for (ServerInterceptor i : interceptors) {
            b.optInterceptor(i);
        }
        return b;
    }

    /** The addresses of these servers. */
    public static List<ServerAddress> addresses(BlockServer... servers) {
        return Arrays.stream(servers).map(s -> new ServerAddress("127.0.0.1", s.port())).toList();
    }

    /** Random pixels in [0, 1] for {@code batch} images of {@code config}. */
    public static float[] pixels(ModelConfig config, int batch, long seed) {
        Random rnd = new Random(seed);
        float[] p = new float[batch * config.channels() * config.imageSize() * config.imageSize()];
        for (int i = 0; i < p.length; i++) {
            p[i] = rnd.nextFloat();
        }
        return p;
    }

    /** The shape of {@code batch} images of {@code config}. */
    public static long[] shape(ModelConfig config, int batch) {
        return new long[] {batch, config.channels(), config.imageSize(), config.imageSize()};
    }

    /** Flat pixels {@code [B, C, H, W]} as nested arrays, for {@code LayerShuffleModel.predict}. */
    public static float[][][][] nested(float[] flat, ModelConfig c, int batch) {
        int side = c.imageSize();
        float[][][][] out = new float[batch][c.channels()][side][side];
        int i = 0;
        for (int b = 0; b < batch; b++) {
            for (int ch = 0; ch < c.channels(); ch++) {
                for (int y = 0; y < side; y++) {
                    System.arraycopy(flat, i, out[b][ch][y], 0, side);
                    i += side;
                }
            }
        }
        return out;
    }

    /** One image of seed {@code seed} classified by {@code c} under {@code plan}. */
    public static SwarmResult classify(SwarmClient c, ModelConfig config, long seed, ExecutionPlan plan) {
        return c.classify(pixels(config, 1, seed), shape(config, 1), plan);
    }

    /** Asserts that {@code r}'s logits are {@code local}'s for the same pixels and the blocks {@code r} ran. */
    public static void assertMatchesLocal(LayerShuffleModel local, ModelConfig config, SwarmResult r, float[] pixels,
            int batch) {
        float[][] expected = local.predict(nested(pixels, config, batch), r.ran()).logits();
        float[][] actual = r.logits();
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < config.classes(); k++) {
                assertThat(actual[b][k]).as("image %d class %d under %s", b, k, r.ran())
                        .isCloseTo(expected[b][k], within(1e-4f));
            }
        }
    }

    /** Whether {@code c} has banned server {@code s}. */
    public static boolean banned(SwarmClient c, BlockServer s) {
        return c.servers().stream().filter(st -> st.name().equals(s.name())).findFirst().orElseThrow().banned();
    }
}
