package dev.keyway.server;

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
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Redaction of echoed secrets in WebSocket frames (issue 12 §5), end to end: a real WebSocket
 * client (OkHttp, which offers {@code permessage-deflate}) through the proxy to a Netty WebSocket
 * upstream that sends the {@code Authorization} of the upgrade back whole, split over a text frame
 * and a continuation, in a frame marked compressed, and in a Close reason. The client never sees
 * the secret; {@code redact_responses: false} passes it through; the audit counts the redactions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketRedactionEndToEndTest {
    static final String SECRET = "ws-echo-canary-8d2b4f19ae03";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    EventLoopGroup group;
    Channel server;
    int port;
    TestServer ts;
    OkHttpClient client;
    String proxyUser;
    /** The upgrade requests the upstream received, by path: recorded before it answers. */
    final Map<String, String> handshakes = new ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().addSubjectAlternativeName("localhost").ecdsa256()
                .signedBy(ca).build();
        var tls = SslContextBuilder.forServer(leaf.keyPair().getPrivate(), leaf.certificate()).build();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        String[] auth = new String[1];
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new SimpleChannelInboundHandler<FullHttpRequest>(false) {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        auth[0] = String.valueOf(req.headers().get("Authorization"));
                                        handshakes.put(req.uri(), auth[0] + " | extensions: "
                                                + req.headers().get("Sec-WebSocket-Extensions"));
                                        if (req.uri().startsWith("/ws/refused")) {
                                            refuse(ctx, auth[0]);
                                            req.release();
                                            return;
                                        }
                                        ctx.fireChannelRead(req);
                                    }
                                },
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder().websocketPath("/")
                                        .checkStartsWith(true).build()),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        echo(ctx, f.text(), "you sent " + auth[0]);
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        ts = TestServer.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of()));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"ws","host":"localhost:%d","allow_private":true,"paths":["/ws/**"],"inject":{"bearer":"GOOD"}}"""
                .formatted(port)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"wsraw","host":"localhost:%d","allow_private":true,"paths":["/raw/**"],"redact_responses":false,
                 "inject":{"bearer":"GOOD"}}""".formatted(port)));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\"}"))).get("token").asString();
        proxyUser = token + ":default";
        HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(
                okhttp3.tls.Certificates.decodeCertificatePem(Files.readString(dir.resolve("data/ca.pem")))).build();
        client = new OkHttpClient.Builder()
                .proxy(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", ts.server.proxyPort())))
                .proxyAuthenticator((route, response) -> response.request().newBuilder()
                        .header("Proxy-Authorization", Credentials.basic(token, "default")).build())
                .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
                .callTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** A 401 to the upgrade that quotes the token it got, in a header and the body (as some APIs do). */
    private static void refuse(ChannelHandlerContext ctx, String auth) {
        var res = new io.netty.handler.codec.http.DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.UNAUTHORIZED,
                io.netty.buffer.Unpooled.copiedBuffer("invalid token: " + auth, StandardCharsets.UTF_8));
        res.headers().set("WWW-Authenticate", "Bearer error=\"invalid_token\", token=\"" + auth.substring(7) + "\"")
                .set("Content-Length", res.content().readableBytes()).set("Connection", "close");
        ctx.writeAndFlush(res).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    /** What the upstream sends back for each command, always quoting the upgrade's Authorization. */
    private static void echo(ChannelHandlerContext ctx, String command, String reply) {
        switch (command) {
            case "whole" -> ctx.writeAndFlush(new TextWebSocketFrame(reply));
            case "split" -> {
                int cut = reply.indexOf(SECRET) + SECRET.length() / 2; // inside the secret
                ctx.write(new TextWebSocketFrame(false, 0, reply.substring(0, cut)));
                ctx.writeAndFlush(new ContinuationWebSocketFrame(true, 0, reply.substring(cut)));
            }
            // RSV1 set as permessage-deflate would (the payload is not really deflated: it must never be passed on)
            case "compressed" -> ctx.writeAndFlush(new TextWebSocketFrame(true, 4, reply));
            case "close" -> ctx.writeAndFlush(new CloseWebSocketFrame(4001, "bad token " + SECRET));
            default -> ctx.writeAndFlush(new TextWebSocketFrame("unknown command"));
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (ts != null) {
            ts.close();
        }
        if (server != null) {
            server.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (client != null) {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    private static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    /** A WebSocket to {@code path} whose messages, close code and reason (or failure) land in the queue. */
    private WebSocket open(String path, BlockingQueue<String> events) throws Exception {
        CompletableFuture<@Nullable Throwable> opened = new CompletableFuture<>();
        WebSocket ws = client.newWebSocket(new Request.Builder().url("https://localhost:" + port + path).build(),
                new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket s, Response response) {
                        opened.complete(null);
                    }

                    @Override
                    public void onMessage(WebSocket s, String text) {
                        events.add(text);
                    }

                    @Override
                    public void onClosing(WebSocket s, int code, String reason) {
                        events.add("close " + code + " " + reason);
                        s.close(1000, null);
                    }

                    @Override
                    public void onFailure(WebSocket s, Throwable t, @Nullable Response response) {
                        events.add("failure " + t);
                        opened.complete(t);
                    }
                });
        assertThat(opened.get(20, TimeUnit.SECONDS)).as("the WebSocket opened").isNull();
        return ws;
    }

    /** The audit's request records for {@code path}, once the WebSocket's record is written (bounded poll). */
    private JsonNode auditRecord(String path) throws Exception {
        for (int i = 0; i < 400; i++) {
            Path audit = dir.resolve("data/audit.jsonl");
            if (Files.exists(audit)) {
                for (String line : Files.readString(audit).lines().toList()) {
                    JsonNode n = JSON.readTree(line);
                    if ("request".equals(n.path("type").asString()) && path.equals(n.path("path").asString())) {
                        assertThat(line).doesNotContain(SECRET);
                        return n;
                    }
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no request record for " + path);
    }

    @Test
    void anEchoWholeOrSplitOverTwoFramesNeverReachesTheClient() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        WebSocket ws = open("/ws/echo", events);
        ws.send("whole");
        assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("you sent Bearer [REDACTED:GOOD]");
        ws.send("split");
        assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("you sent Bearer [REDACTED:GOOD]");
        assertThat(handshakes.get("/ws/echo")).as("the upstream got the real credential, and no compression offer")
                .isEqualTo("Bearer " + SECRET + " | extensions: null");
        ws.send("close");
        assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("close 4001 bad token [REDACTED:GOOD]");
        JsonNode record = auditRecord("/ws/echo");
        assertThat(record.get("status").asInt()).isEqualTo(101);
        assertThat(record.get("redactions").asLong()).isEqualTo(3);
    }

    @Test
    void aFrameItCannotScanClosesTheWebSocketWith1011() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        WebSocket ws = open("/ws/compressed", events);
        ws.send("compressed");
        String event = events.poll(20, TimeUnit.SECONDS);
        assertThat(event).startsWith("close 1011 ").doesNotContain(SECRET);
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).as("nothing after the close").isNull();
        JsonNode record = auditRecord("/ws/compressed");
        assertThat(record.get("error_type").asString()).isEqualTo("response-unscannable");
    }

    @Test
    void redactionOffForTheServicePassesTheFramesAsTheyCame() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        WebSocket ws = open("/raw/echo", events);
        ws.send("split");
        assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("you sent Bearer " + SECRET);
        assertThat(handshakes.get("/raw/echo")).as("unscanned: the client's extension offer goes on")
                .startsWith("Bearer " + SECRET + " | extensions: ").contains("permessage-deflate");
        ws.close(1000, "done");
        assertThat(auditRecord("/raw/echo").has("redactions")).isFalse();
    }

    @Test
    void aRefusedUpgradeQuotingTheTokenIsRedactedLikeAnyResponse() throws Exception {
        // curl sends the upgrade request (it does not speak WebSocket itself); the upstream refuses it with a 401
        Curl.Result r = Curl.run("-sS", "-i", "--http1.1", "--max-time", "30", "--proxy", "http://127.0.0.1:"
                + ts.server.proxyPort(), "--proxy-user", proxyUser, "--cacert", dir.resolve("data/ca.pem").toString(),
                "-H", "Upgrade: websocket", "-H", "Connection: Upgrade", "-H", "Sec-WebSocket-Version: 13",
                "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "https://localhost:" + port + "/ws/refused");
        assertThat(handshakes.get("/ws/refused")).startsWith("Bearer " + SECRET);
        assertThat(r.out()).contains(" 401").contains("invalid token: Bearer [REDACTED:GOOD]")
                .containsIgnoringCase("www-authenticate: Bearer error=\"invalid_token\", token=\"[REDACTED:GOOD]\"")
                .doesNotContain(SECRET);
        assertThat(auditRecord("/ws/refused").get("redactions").asLong()).isEqualTo(2);
    }
}
