package dev.keyway.bench;

import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import dev.keyway.proxy.tls.CertificateAuthority;
import dev.keyway.proxy.tls.LeafMinter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * A small, fast HTTPS origin for end-to-end benchmarks: HTTP/1.1 with keep-alive over TLS, a
 * certificate for {@code localhost} minted by its own throw-away CA (written as PEM so the proxy
 * and the load generator can trust it), and responses encoded once at start-up so that serving
 * costs little more than TLS. Routes:
 *
 * <ul>
 *   <li>{@code /small}: 200 with a ~100-byte JSON body;
 *   <li>{@code /1m}: 200 with a 1 MiB body;
 *   <li>{@code /sse?n=20&delay=50}: a chunked {@code text/event-stream} of {@code n} events, the
 *       first at once and then one every {@code delay} ms, each carrying its send time in epoch
 *       microseconds ({@code "sent_us"}) so a client can compute delivery latency;
 *   <li>anything else: 404.
 * </ul>
 *
 * Every response carries {@code X-Upstream-Auth: bearer} when the request had an {@code
 * Authorization: Bearer ...} header and {@code none} otherwise, so a load generator can check that
 * the proxy injected a credential without the upstream ever echoing it.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.keyway.bench.Upstream --port 0 --ca-out ca.pem
 * --port-file port.txt}.
 */
public final class Upstream implements AutoCloseable {
    static final int SMALL_BODY_BYTES = 100;
    static final int LARGE_BODY_BYTES = 1024 * 1024;

    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final String caPem;
    private final Responses responses;

    private Upstream(EventLoopGroup group, List<Channel> listeners, String caPem, Responses responses) {
        this.group = group;
        this.listeners = listeners;
        this.caPem = caPem;
        this.responses = responses;
    }

    /**
     * Starts listening on {@code bindHost:port} (0 picks a free port) and, when {@code bindHost} is
     * 127.0.0.1, also on [::1] with the same port where IPv6 is available, since clients may resolve
     * {@code localhost} to either.
     */
    public static Upstream start(String bindHost, int port, int threads) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        CertificateAuthority ca = CertificateAuthority.generate("keyway-bench-upstream", clock);
        Leaf leaf = new LeafMinter(ca, clock, Duration.ofDays(30)).mint("localhost");
        SslContext ssl = serverContext(leaf);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("upstream", true), io);
        Responses responses = new Responses();
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(serverClass)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                            ch.pipeline().addLast(new HttpRequestDecoder());
                            ch.pipeline().addLast(new UpstreamHandler(responses));
                        }
                    });
            List<Channel> listeners = new ArrayList<>();
            Channel first = b.bind(bindHost, port).sync().channel();
            listeners.add(first);
            if (bindHost.equals("127.0.0.1")) {
                int bound = ((java.net.InetSocketAddress) first.localAddress()).getPort();
                var v6 = b.bind("::1", bound).awaitUninterruptibly();
                if (v6.isSuccess()) {
                    listeners.add(v6.channel());
                }
            }
            return new Upstream(group, listeners, ca.certificatePem(), responses);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            responses.release();
            throw e;
        }
    }

    private static SslContext serverContext(Leaf leaf) {
        try {
            return SslContextBuilder.forServer(leaf.key(), leaf.chain().toArray(X509Certificate[]::new))
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the upstream TLS context", e);
        }
    }

    /** The port listened on. */
    public int port() {
        return ((java.net.InetSocketAddress) listeners.getFirst().localAddress()).getPort();
    }

    /** The PEM of the CA that signed the upstream's certificate. */
    public String caPem() {
        return caPem;
    }

    @Override
    public void close() {
        listeners.forEach(c -> c.close().awaitUninterruptibly());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        responses.release();
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1";
        int port = 0;
        int threads = 1;
        @Nullable Path caOut = null;
        @Nullable Path portFile = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--bind" -> bind = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--ca-out" -> caOut = Path.of(v);
                case "--port-file" -> portFile = Path.of(v);
                default -> {
                    System.err.println("usage: Upstream [--bind 127.0.0.1] [--port 0] [--threads 1] "
                            + "[--ca-out FILE] [--port-file FILE]");
                    System.exit(2);
                }
            }
            i++;
        }
        Upstream upstream = start(bind, port, threads);
        if (caOut != null) {
            Files.writeString(caOut, upstream.caPem(), StandardCharsets.US_ASCII);
        }
        if (portFile != null) {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(upstream.port()));
            Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        System.out.println("upstream: https://localhost:" + upstream.port() + " (/small, /1m, /sse?n=&delay=)"
                + (caOut != null ? ", CA in " + caOut : ""));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            upstream.close();
            stop.countDown();
        }));
        stop.await();
    }

    /** The pre-encoded responses, shared read-only by every connection. */
    static final class Responses {
        final ByteBuf smallAuth = encode(200, "application/json", "bearer", smallBody());
        final ByteBuf smallNoAuth = encode(200, "application/json", "none", smallBody());
        final ByteBuf largeAuth = encode(200, "application/octet-stream", "bearer", largeBody());
        final ByteBuf largeNoAuth = encode(200, "application/octet-stream", "none", largeBody());
        final ByteBuf notFoundAuth = encode(404, "text/plain", "bearer", "not found\n".getBytes(StandardCharsets.US_ASCII));
        final ByteBuf notFoundNoAuth = encode(404, "text/plain", "none", "not found\n".getBytes(StandardCharsets.US_ASCII));

        static byte[] smallBody() {
            StringBuilder s = new StringBuilder("{\"id\":\"bench-0001\",\"object\":\"small\",\"ok\":true,\"data\":\"");
            while (s.length() < SMALL_BODY_BYTES - 3) {
                s.append('x');
            }
            return s.append("\"}\n").toString().getBytes(StandardCharsets.US_ASCII);
        }

        static byte[] largeBody() {
            byte[] b = new byte[LARGE_BODY_BYTES];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) ('a' + i % 26);
            }
            return b;
        }

        static ByteBuf encode(int status, String type, String auth, byte[] body) {
            String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\n"
                    + "Content-Type: " + type + "\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "X-Upstream-Auth: " + auth + "\r\n"
                    + "\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            ByteBuf buf = Unpooled.directBuffer(h.length + body.length);
            buf.writeBytes(h).writeBytes(body);
            return buf;
        }

        void release() {
            for (ByteBuf b : List.of(smallAuth, smallNoAuth, largeAuth, largeNoAuth, notFoundAuth, notFoundNoAuth)) {
                if (b.refCnt() > 0) {
                    b.release();
                }
            }
        }
    }
}
