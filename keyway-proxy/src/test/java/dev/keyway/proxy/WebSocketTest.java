package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WebSocket through the interception: injected handshake, relay, and client text-frame substitution. */
class WebSocketTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(b -> b.principalRecheckInterval(java.time.Duration.ofMillis(200)));

    private EventLoopGroup group;
    private Channel serverChannel;
    private final AtomicReference<String> handshakeAuth = new AtomicReference<>();
    private final AtomicReference<String> handshakeExtensions = new AtomicReference<>();
    private final BlockingQueue<String> serverSaw = new LinkedBlockingQueue<>();
    private final java.util.concurrent.CountDownLatch serverConnectionClosed = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.CompletableFuture<Object> clientSawClose = new java.util.concurrent.CompletableFuture<>();

    @BeforeEach
    void startEchoServer() throws Exception {
        SslContext tls = SslContextBuilder.forServer(px.upstreamCert.keyPair().getPrivate(), px.upstreamCert.certificate(),
                px.upstreamCa.certificate()).build();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.closeFuture().addListener(f -> serverConnectionClosed.countDown());
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(65536),
                                new SimpleChannelInboundHandler<FullHttpRequest>(false) {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        handshakeAuth.set(req.headers().get("Authorization"));
                                        handshakeExtensions.set(req.headers().get("Sec-WebSocket-Extensions"));
                                        ctx.fireChannelRead(req);
                                    }
                                },
                                new WebSocketServerProtocolHandler("/ws"),
                                new io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator(1 << 20),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        serverSaw.add(f.text());
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() {
        serverChannel.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private WebSocket connect(BlockingQueue<String> received) throws Exception {
        HttpClient c = px.closeAfterTest(HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", px.port())))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return new PasswordAuthentication("t0k", "v".toCharArray());
                    }
                })
                .sslContext(px.clientTrust.sslContext())
                .build());
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        return c.newWebSocketBuilder()
                .header("Authorization", "Bearer placeholder")
                .buildAsync(URI.create("wss://ws.test:" + port + "/ws"), new WebSocket.Listener() {
                    private final StringBuilder sb = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        sb.append(data);
                        if (last) {
                            received.add(sb.toString());
                            sb.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        clientSawClose.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        clientSawClose.complete(error);
                    }
                })
                .get(20, TimeUnit.SECONDS);
    }

    @Test
    void echoWithInjectedHandshake() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket ws = connect(received);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        ws.sendText("x".repeat(200_000), true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).hasSize(200_005);
        assertThat(handshakeAuth.get()).isEqualTo("Bearer " + ProxyFixture.SECRET);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        ProxyFixture.eventually(() -> px.events("request").stream().anyMatch(e -> e.status() == 101));
    }

    @Test
    void textFramesAreRewrittenWhenThePolicyAsks() throws Exception {
        px.rewriteWebSocketText = true;
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket ws = connect(received);
        ws.sendText("token=__PH__", true).get(10, TimeUnit.SECONDS);
        assertThat(serverSaw.poll(10, TimeUnit.SECONDS)).isEqualTo("token=" + ProxyFixture.GIT_SECRET);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:token=" + ProxyFixture.GIT_SECRET);
        ws.sendText("plain", true).get(10, TimeUnit.SECONDS);
        assertThat(serverSaw.poll(10, TimeUnit.SECONDS)).isEqualTo("plain");
        assertThat(handshakeExtensions.get()).isNull();
        ws.abort();
    }

    @Test
    void revocationClosesAnOpenWebSocketAndItsUpstream() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket ws = connect(received);
        ws.sendText("before", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:before");
        px.tokenActive = false; // the socket is idle: only the periodic recheck can notice
        assertThat(clientSawClose.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(serverConnectionClosed.await(10, TimeUnit.SECONDS)).isTrue();
        ProxyFixture.eventually(() -> px.events("connect").stream()
                .anyMatch(e -> "proxy-auth-invalid".equals(e.errorType()) && "intercept".equals(e.mode())));
    }
}
