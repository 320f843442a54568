package io.github.layershuffle.samples.swarm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.samples.swarm.bench.Misbehaviour;
import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeRequest;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.proto.TensorResponse;
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
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's limits: message size from the hosted configs, export id length, calls held at once. */
class LimitsTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE);

    @TempDir
    static Path tmp;
    static Path export;

    @BeforeAll
    static void export() {
        export = TinySwarm.export(CONFIG, "fam", 4, tmp.resolve("m"));
    }

    private static ManagedChannel channel(BlockServer s) {
        return Grpc.newChannelBuilderForAddress("127.0.0.1", s.port(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20).build();
    }

    private static BlockRequest block(String id, Tensor tokens) {
        return BlockRequest.newBuilder().setExportId(id).setBlock(0).setSlot(0).setTokens(tokens).build();
    }

    private static Tensor tokens() {
        return Activations.encode(new float[CONFIG.tokenCount() * CONFIG.width()],
                new long[] {1, CONFIG.tokenCount(), CONFIG.width()});
    }

    private static Status status(ManagedChannel ch, BlockRequest r) {
        try {
            ClientCalls.blockingUnaryCall(ch, SwarmMethods.BLOCK, CallOptions.DEFAULT.withDeadlineAfter(10,
                    TimeUnit.SECONDS), r);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Test
    void theLargestRequestDerivesFromTheHostedConfigsAndTheBatchLimit() {
        try (BlockServer s = TinySwarm.builder(export, "all", 0).optMaxBatch(16).start()) {
            long tokens = 4L * 16 * CONFIG.tokenCount() * CONFIG.width();
            assertThat(s.maxMessageBytes()).isEqualTo((int) (tokens + tokens / 16 + (64 << 10)));
            ManagedChannel ch = channel(s);
            try {
                String id = ExportId.of(export);
                assertThat(status(ch, block(id, tokens())).getCode()).isEqualTo(Status.Code.OK);
                Tensor huge = Tensor.newBuilder().addShape(1).addShape(CONFIG.tokenCount()).addShape(CONFIG.width())
                        .setData(ByteString.copyFrom(new byte[s.maxMessageBytes() + 1])).build();
                Status st = status(ch, block(id, huge));
                assertThat(st.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void anOverlongExportIdIsRefusedWithoutBeingEchoed() {
        try (BlockServer s = TinySwarm.server(export, "all")) {
            ManagedChannel ch = channel(s);
            try {
                String longId = "x".repeat(BlockService.MAX_EXPORT_ID_LENGTH + 1);
                Status st = status(ch, block(longId, tokens()));
                assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(st.getDescription()).contains("65 characters").doesNotContain(longId);
                String unknown = "y".repeat(BlockService.MAX_EXPORT_ID_LENGTH);
                assertThat(status(ch, block(unknown, tokens())).getCode()).isEqualTo(Status.Code.NOT_FOUND);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void callsOverTheCapAreRefusedAtOnceAndThePermitsComeBack() throws Exception {
        try (BlockServer s = TinySwarm.builder(export, "all", 0, Misbehaviour.slow(400_000, () -> true))
                .optMaxConcurrentCalls(1).start()) {
            ManagedChannel ch = channel(s);
            try {
                BlockRequest r = block(ExportId.of(export), tokens());
                List<Future<TensorResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    calls.add(ClientCalls.futureUnaryCall(ch.newCall(SwarmMethods.BLOCK, CallOptions.DEFAULT
                            .withDeadlineAfter(10, TimeUnit.SECONDS)), r));
                }
                int ok = 0;
                int exhausted = 0;
                for (Future<TensorResponse> f : calls) {
                    try {
                        f.get(20, TimeUnit.SECONDS);
                        ok++;
                    } catch (ExecutionException e) {
                        assertThat(Status.fromThrowable(e.getCause()).getCode())
                                .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        exhausted++;
                    }
                }
                assertThat(ok).isEqualTo(1);
                assertThat(exhausted).isEqualTo(1);
                assertThat(status(ch, r).getCode()).isEqualTo(Status.Code.OK);
                // Describe is a block-service call too, and is served once the permit is back
                assertThat(ClientCalls.blockingUnaryCall(ch, SwarmMethods.DESCRIBE, CallOptions.DEFAULT,
                        DescribeRequest.getDefaultInstance()).getExportsCount()).isEqualTo(1);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void anExportCheckThatRefusesKeepsTheServerFromStarting() {
        List<Path> checked = new ArrayList<>();
        assertThatThrownBy(() -> TinySwarm.builder(export, "all", 0).optExportCheck(dir -> {
            checked.add(dir);
            throw new LayerShuffleException("export " + dir + " is not signed");
        }).start()).isInstanceOf(LayerShuffleException.class).hasMessageContaining("is not signed");
        assertThat(checked).containsExactly(export.toAbsolutePath().normalize());
        try (BlockServer s = TinySwarm.builder(export, "all", 0).optExportCheck(checked::add).start()) {
            assertThat(s.hosted()).hasSize(1);
        }
    }
}
