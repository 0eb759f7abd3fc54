package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.HttpConnectProxiedSocketAddress;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC end to end through the proxy: grpc-java client (HTTP CONNECT proxy with credentials, TLS
 * trusting the Keyway CA) → h2 interception → h2 upstream → grpc-java server. Uses a String
 * marshaller, so no protobuf code generation is needed.
 */
class GrpcTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> STREAM =
            method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);
    private static final MethodDescriptor<String, String> DENIED = method("Denied", MethodDescriptor.MethodType.UNARY);

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName("test.Echo/" + name)
                .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
    }

    private final AtomicReference<String> seenAuth = new AtomicReference<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext("echo:" + req);
                    obs.onCompleted();
                }))
                .addMethod(STREAM, ServerCalls.asyncServerStreamingCall((req, obs) -> {
                    for (int i = 0; i < 5; i++) {
                        obs.onNext(req + "-" + i);
                    }
                    obs.onCompleted();
                }))
                .addMethod(DENIED, ServerCalls.asyncUnaryCall((req, obs) ->
                        obs.onError(Status.PERMISSION_DENIED.withDescription("not for you").asRuntimeException())))
                .build();
        ServerInterceptor captureAuth = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                seenAuth.set(headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
                return next.startCall(call, headers);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                        TlsServerCredentials.newBuilder().keyManager(px.upstreamServerCerts.keyManager()).build())
                .addService(ServerInterceptors.intercept(svc, captureAuth))
                .build()
                .start();
        int port = ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
        channel = Grpc.newChannelBuilderForAddress("grpc.test", port,
                        TlsChannelCredentials.newBuilder().trustManager(px.clientTrust.trustManager()).build())
                .proxyDetector(target -> HttpConnectProxiedSocketAddress.newBuilder()
                        .setTargetAddress((InetSocketAddress) target)
                        .setProxyAddress(new InetSocketAddress("127.0.0.1", px.port()))
                        .setUsername(ProxyFixture.TOKEN)
                        .setPassword(ProxyFixture.VAULT)
                        .build())
                .build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void unaryCallWithInjectedCredential() {
        String reply = ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "hi");
        assertThat(reply).isEqualTo("echo:hi");
        assertThat(seenAuth.get()).isEqualTo("Bearer " + ProxyFixture.SECRET);
    }

    @Test
    void serverStreamingCall() {
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, STREAM,
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "s");
        List<String> got = new ArrayList<>();
        it.forEachRemaining(got::add);
        assertThat(got).containsExactly("s-0", "s-1", "s-2", "s-3", "s-4");
    }

    @Test
    void errorStatusTravelsInTrailers() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, DENIED,
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("not for you");
                });
    }

    @Test
    void manyCallsShareOneTunnel() {
        for (int i = 0; i < 20; i++) {
            assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "n" + i)).isEqualTo("echo:n" + i);
        }
    }
}
