package io.github.layershuffle.samples.swarm.wire;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeResponse;
import io.github.layershuffle.samples.swarm.proto.HeadRequest;
import io.github.layershuffle.samples.swarm.proto.StemRequest;
import io.github.layershuffle.samples.swarm.proto.SwarmProto;
import io.github.layershuffle.samples.swarm.proto.TensorResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC methods of {@code layershuffle.swarm.v1.BlockService} ({@code swarm.proto}), written out by hand with
 * protobuf marshallers: what {@code protoc-gen-grpc-java} would generate, and wire-compatible with stubs generated
 * from the proto file in any language. Maven Central carries no {@code protoc-gen-grpc-java} executable for
 * grpc-java 1.84 and later, so only the messages are generated.
 *
 * <p>The descriptors carry the proto file's schema, so reflection-based tools see the service as declared.
 */
public final class SwarmMethods {
    /** The fully qualified service name. */
    public static final String SERVICE_NAME = "layershuffle.swarm.v1.BlockService";

    /** What a server hosts. */
    public static final MethodDescriptor<DescribeRequest, DescribeResponse> DESCRIBE =
            unary("Describe", DescribeRequest.getDefaultInstance(), DescribeResponse.getDefaultInstance());
    /** pixels to tokens. */
    public static final MethodDescriptor<StemRequest, TensorResponse> STEM =
            unary("Stem", StemRequest.getDefaultInstance(), TensorResponse.getDefaultInstance());
    /** One block: tokens to tokens. */
    public static final MethodDescriptor<BlockRequest, TensorResponse> BLOCK =
            unary("Block", BlockRequest.getDefaultInstance(), TensorResponse.getDefaultInstance());
    /** tokens to logits. */
    public static final MethodDescriptor<HeadRequest, TensorResponse> HEAD =
            unary("Head", HeadRequest.getDefaultInstance(), TensorResponse.getDefaultInstance());

    /** The service with its four methods. */
    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .setSchemaDescriptor(new Schema(null))
            .addMethod(DESCRIBE).addMethod(STEM).addMethod(BLOCK).addMethod(HEAD)
            .build();

    private SwarmMethods() {
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(String name, Q request,
                                                                                         R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .setSchemaDescriptor(new Schema(name))
                .setSampledToLocalTracing(true)
                .build();
    }

    /** Points gRPC tooling at the proto descriptors of the service and of one method. */
    private static final class Schema implements ProtoServiceDescriptorSupplier, ProtoMethodDescriptorSupplier {
        private final String method;

        Schema(String method) {
            this.method = method;
        }

        @Override
        public Descriptors.FileDescriptor getFileDescriptor() {
            return SwarmProto.getDescriptor();
        }

        @Override
        public Descriptors.ServiceDescriptor getServiceDescriptor() {
            return getFileDescriptor().findServiceByName("BlockService");
        }

        @Override
        public Descriptors.MethodDescriptor getMethodDescriptor() {
            return method == null ? null : getServiceDescriptor().findMethodByName(method);
        }
    }
}
