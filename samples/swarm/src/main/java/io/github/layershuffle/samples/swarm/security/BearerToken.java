package io.github.layershuffle.samples.swarm.security;

import io.github.layershuffle.api.LayerShuffleException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A shared secret that callers present as {@code authorization: Bearer <token>}: a {@link #clientInterceptor()}
 * adds it to every call, a {@link #serverInterceptor()} refuses calls without it ({@code UNAUTHENTICATED}, compared
 * in constant time). Send it over TLS only: on a plaintext channel anyone on the path reads it.
 *
 * <p>Written here rather than with gRPC's {@code CallCredentials}, which grpc-java withholds on plaintext channels:
 * a token on loopback is still worth checking, and the server side needs an interceptor in any case.
 */
public final class BearerToken {
    /** The header the token travels in. */
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The longest token accepted, in characters. */
    public static final int MAX_LENGTH = 512;
    private static final String PREFIX = "Bearer ";

    private final String token;

    private BearerToken(String token) {
        this.token = token;
    }

    /**
     * A token of printable ASCII without spaces, 16 to {@value #MAX_LENGTH} characters.
     *
     * @throws IllegalArgumentException if it is shorter, longer, or has other characters (not echoed)
     */
    public static BearerToken of(String token) {
        Objects.requireNonNull(token, "token");
        if (token.length() < 16 || token.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a bearer token must have 16 to " + MAX_LENGTH + " characters, was "
                    + token.length());
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new IllegalArgumentException("a bearer token must be printable ASCII without spaces; character "
                        + i + " is not");
            }
        }
        return new BearerToken(token);
    }

    /**
     * The token in {@code file}: its first line, surrounding white space removed.
     *
     * @throws LayerShuffleException    if the file cannot be read or is larger than 4 KiB, naming it
     * @throws IllegalArgumentException as {@link #of(String)}, naming the file
     */
    public static BearerToken read(Path file) {
        try {
            if (Files.size(file) > 4096) {
                throw new LayerShuffleException("token file " + file + " has " + Files.size(file)
                        + " bytes, more than the 4096 a token file may have");
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            int nl = text.indexOf('\n');
            return of(nl < 0 ? text : text.substring(0, nl).strip());
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read token file " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Adds the token to every call of the channel it intercepts. */
    public ClientInterceptor clientInterceptor() {
        String header = PREFIX + token;
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(AUTHORIZATION, header);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    /** Closes every call that does not carry this token with {@code UNAUTHENTICATED}, before reading its message. */
    public ServerInterceptor serverInterceptor() {
        byte[] expected = (PREFIX + token).getBytes(StandardCharsets.US_ASCII);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String got = headers.get(AUTHORIZATION);
                byte[] given = got == null ? new byte[0] : got.getBytes(StandardCharsets.US_ASCII);
                if (!MessageDigest.isEqual(expected, given)) {
                    call.close(Status.UNAUTHENTICATED.withDescription(got == null
                            ? "no bearer token: send 'authorization: Bearer <token>'" : "wrong bearer token"),
                            new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
    }

    /** Never the token itself. */
    @Override
    public String toString() {
        return "BearerToken[" + token.length() + " characters]";
    }
}
