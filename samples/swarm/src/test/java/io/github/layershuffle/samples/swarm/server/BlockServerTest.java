package io.github.layershuffle.samples.swarm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import com.google.protobuf.ByteString;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeResponse;
import io.github.layershuffle.samples.swarm.proto.HeadRequest;
import io.github.layershuffle.samples.swarm.proto.StemRequest;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.testing.TinySwarm;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockServerTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE_POSITION);

    @TempDir
    static Path tmp;
    static Path export;
    static String id;
    static BlockServer server;
    static ManagedChannel channel;

    @BeforeAll
    static void start() {
        export = TinySwarm.export(CONFIG, "fam", 3, tmp.resolve("a"));
        id = ExportId.of(export);
        server = TinySwarm.server(export, "stem,head,0,2");
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
                .build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.close();
    }

    private static <Q, R> R call(io.grpc.MethodDescriptor<Q, R> method, Q request) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(5,
                TimeUnit.SECONDS), request);
    }

    private static Tensor tokens(int batch, long seed) {
        Random rnd = new Random(seed);
        float[] t = new float[batch * CONFIG.tokenCount() * CONFIG.width()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) rnd.nextGaussian();
        }
        return Activations.encode(t, new long[] {batch, CONFIG.tokenCount(), CONFIG.width()});
    }

    private static BlockRequest.Builder block(int block, int slot, Tensor tokens) {
        return BlockRequest.newBuilder().setExportId(id).setBlock(block).setSlot(slot).setTokens(tokens);
    }

    @Test
    void describesWhatItHosts() {
        DescribeResponse r = call(SwarmMethods.DESCRIBE, DescribeRequest.getDefaultInstance());
        assertThat(r.getServerName()).isEqualTo(server.name()).endsWith(":" + server.port());
        assertThat(r.getExportsList()).singleElement().satisfies(e -> {
            assertThat(e.getExportId()).isEqualTo(id).hasSize(16);
            assertThat(e.getFamily()).isEqualTo("fam");
            assertThat(e.getBlocksList()).containsExactly(0, 2);
            assertThat(e.getStem()).isTrue();
            assertThat(e.getHead()).isTrue();
            assertThat(ModelConfig.fromJson(e.getConfigJson())).isEqualTo(CONFIG);
        });
    }

    @Test
    void runsABlockInTheSlotItIsGivenLikeTheLocalModel() throws Exception {
        Tensor in = tokens(2, 5);
        Activations.Decoded remote = Activations.decode(call(SwarmMethods.BLOCK, block(2, 1, in).build()).getTensor(),
                "out", new long[] {2, CONFIG.tokenCount(), CONFIG.width()}, 2);
        Activations.Decoded input = Activations.decode(in, "in", new long[] {2, CONFIG.tokenCount(), CONFIG.width()},
                2);
        try (LayerShuffleModel local = LayerShuffleModel.load(export);
             OnnxTensor t = OnnxTensor.createTensor(ai.onnxruntime.OrtEnvironment.getEnvironment(), input.data(),
                     input.shape());
             OnnxTensor slot1 = local.block(2).apply(t, 1);
             OnnxTensor slot0 = local.block(2).apply(t, 0)) {
            float[] expected = slot1.getFloatBuffer().array();
            float[] other = slot0.getFloatBuffer().array();
            float[] actual = new float[expected.length];
            remote.data().get(0, actual);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], within(1e-6f));
            }
            // the -position block depends on its slot, so this comparison would catch a slot mix-up
            assertThat(other).isNotEqualTo(expected);
        }
    }

    @Test
    void stemAndHeadRun() {
        float[] pixels = TinySwarm.pixels(CONFIG, 3, 1);
        Tensor tokens = call(SwarmMethods.STEM, StemRequest.newBuilder().setExportId(id)
                .setPixels(Activations.encode(pixels, TinySwarm.shape(CONFIG, 3))).build()).getTensor();
        assertThat(tokens.getShapeList()).containsExactly(3L, (long) CONFIG.tokenCount(), (long) CONFIG.width());
        Tensor logits = call(SwarmMethods.HEAD, HeadRequest.newBuilder().setExportId(id).setTokens(tokens).build())
                .getTensor();
        assertThat(logits.getShapeList()).containsExactly(3L, (long) CONFIG.classes());
    }

    @Test
    void refusesTokensOfTheWrongSizeWithInvalidArgument() {
        Tensor good = tokens(1, 2);
        Tensor shortData = good.toBuilder().setData(good.getData().substring(0, good.getData().size() - 4)).build();
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 0, shortData).build()), Status.Code.INVALID_ARGUMENT,
                "bytes of data");
        Tensor wrongWidth = Activations.encode(new float[CONFIG.tokenCount() * 8], new long[] {1, CONFIG.tokenCount(),
            8});
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 0, wrongWidth).build()), Status.Code.INVALID_ARGUMENT,
                "does not match [batch, 5, 16]");
        Tensor rank2 = Activations.encode(new float[16], new long[] {1, 16});
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 0, rank2).build()), Status.Code.INVALID_ARGUMENT,
                "rank 2");
        float[] nan = new float[CONFIG.tokenCount() * CONFIG.width()];
        nan[7] = Float.NaN;
        Tensor withNan = Activations.encode(nan, new long[] {1, CONFIG.tokenCount(), CONFIG.width()});
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 0, withNan).build()), Status.Code.INVALID_ARGUMENT,
                "value 7");
        Tensor empty = Tensor.newBuilder().addShape(0).addShape(CONFIG.tokenCount()).addShape(CONFIG.width())
                .setData(ByteString.EMPTY).build();
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 0, empty).build()), Status.Code.INVALID_ARGUMENT,
                "dimension 0 is 0");
        Tensor pixels = Activations.encode(new float[8 * 8 * 2], new long[] {1, 2, 8, 8});
        assertStatus(() -> call(SwarmMethods.STEM, StemRequest.newBuilder().setExportId(id).setPixels(pixels)
                .build()), Status.Code.INVALID_ARGUMENT, "pixels for the stem");
        // the server still serves after all that
        assertThat(call(SwarmMethods.BLOCK, block(0, 0, good).build()).getTensor().getShapeCount()).isEqualTo(3);
    }

    @Test
    void refusesASlotOutOfRange() {
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 3, tokens(1, 1)).build()), Status.Code.INVALID_ARGUMENT,
                "slot 3 is out of range [0, 3)");
    }

    @Test
    void answersNotFoundForPartsItDoesNotHost() {
        assertStatus(() -> call(SwarmMethods.BLOCK, block(1, 0, tokens(1, 1)).build()), Status.Code.NOT_FOUND,
                "hosts blocks [0, 2] of export " + id + ", not block 1");
        assertStatus(() -> call(SwarmMethods.BLOCK, block(0, 0, tokens(1, 1)).setExportId("nope").build()),
                Status.Code.NOT_FOUND, "does not host export 'nope'");
    }

    @Test
    void reportsServingOnTheStandardHealthService() {
        var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService(SwarmMethods.SERVICE_NAME).build())
                .getStatus()).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void refusesBlocksTheExportDoesNotHaveAndExportsOfAnotherFamily() {
        assertThatThrownBy(() -> TinySwarm.server(export, "5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 5 is out of range [0, 3)");
        Path other = TinySwarm.export(CONFIG, "other-family", 4, tmp.resolve("b"));
        assertThatThrownBy(() -> BlockServer.builder().host(export).host(other).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one family")
                .hasMessageContaining("other-family");
        assertThatThrownBy(() -> BlockServer.builder().start()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeIsIdempotentAndStopsServing() {
        BlockServer s = TinySwarm.server(export, "all");
        ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", s.port(), InsecureChannelCredentials.create())
                .build();
        try {
            s.close();
            s.close();
            assertThat(s.isClosed()).isTrue();
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, SwarmMethods.DESCRIBE,
                    CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), DescribeRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE);
        } finally {
            ch.shutdownNow();
        }
    }

    private static void assertStatus(Runnable call, Status.Code code, String fragment) {
        assertThatThrownBy(call::run).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    Status s = ((StatusRuntimeException) e).getStatus();
                    assertThat(s.getCode()).isEqualTo(code);
                    assertThat(s.getDescription()).contains(fragment);
                });
    }
}
