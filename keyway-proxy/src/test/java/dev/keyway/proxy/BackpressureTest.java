package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow client must slow the upstream down instead of making the proxy buffer the response: the
 * upstream streams 64 MiB as fast as its blocking socket allows while the client reads in bursts
 * through a small receive buffer. Each time the client pauses, the upstream's writes must stall with
 * at most a bounded amount in flight (socket buffers on three hops plus the proxy's small
 * per-connection buffers), far below the response size.
 */
class BackpressureTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static final long TOTAL = 64L << 20;
    private static final int CHUNK = 64 * 1024;
    /** Where the client pauses reading. */
    private static final long[] PAUSES = {1L << 20, 24L << 20};
    /**
     * Socket buffers on loopback (upstream send, proxy receive and send, client receive; kernel
     * auto-tuning) hold about 10 MiB here; a proxy that buffered the response would let all 64 MiB out.
     */
    private static final long IN_FLIGHT_BOUND = 28L << 20;
    /**
     * Growth of the Netty allocator (shared in this JVM with the test's own Netty client and server,
     * about 11 MiB together here) while the proxy relays; buffering the response would add 64 MiB.
     */
    private static final long DIRECT_BOUND = 32L << 20;

    private static byte expected(long position) {
        return (byte) (position * 31 + (position >>> 16));
    }

    /** Streams TOTAL bytes; {@code written} counts what the upstream's blocking writes handed to its socket. */
    private static SocketUpstream.Handler streaming(AtomicLong written) {
        return (request, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + TOTAL + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[CHUNK];
            for (long sent = 0; sent < TOTAL; sent += CHUNK) {
                for (int i = 0; i < CHUNK; i++) {
                    chunk[i] = expected(sent + i);
                }
                out.write(chunk);
                written.addAndGet(CHUNK);
            }
            out.flush();
            return true;
        };
    }

    /** Reads {@code n} body bytes starting at {@code position}, checking every byte. */
    private static void readChecked(InputStream in, long position, long n) throws IOException {
        byte[] buf = new byte[8192];
        long done = 0;
        while (done < n) {
            int got = in.read(buf, 0, (int) Math.min(buf.length, n - done));
            if (got < 0) {
                throw new IOException("EOF after " + (position + done) + " bytes");
            }
            for (int i = 0; i < got; i++) {
                if (buf[i] != expected(position + done + i)) {
                    throw new AssertionError("wrong byte at " + (position + done + i));
                }
            }
            done += got;
        }
    }

    /**
     * Waits until the counter stops moving (unchanged for 300 ms) and returns it. A pause in a slow
     * run only makes the check look earlier (weaker); it can never fail a proxy that holds back, since
     * the assertions bound how far the upstream got.
     */
    private static long awaitStall(AtomicLong counter) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long last = -1;
        int stable = 0;
        while (System.nanoTime() < deadline && stable < 6) {
            long now = counter.get();
            stable = now == last ? stable + 1 : 0;
            last = now;
            Thread.sleep(50); // watches real socket flow control settle
        }
        return last;
    }

    private static long usedDirectMemory() {
        return ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider m ? m.metric().usedDirectMemory() : -1;
    }

    private static void assertBounded(String what, long read, long written, long directBefore) {
        long direct = usedDirectMemory();
        assertThat(written).as(what + ": the upstream must not finish while the client pauses").isLessThan(TOTAL);
        assertThat(written - read).as(what + ": bytes in flight while the client pauses").isLessThan(IN_FLIGHT_BOUND);
        if (direct >= 0 && directBefore >= 0) {
            assertThat(direct - directBefore).as(what + ": proxy direct memory growth").isLessThan(DIRECT_BOUND);
        }
    }

    @Test
    void slowHttp1ClientStallsTheUpstream() throws Exception {
        AtomicLong written = new AtomicLong();
        long directBefore = usedDirectMemory();
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), streaming(written));
                Raw raw = px.intercepted("api.test", up.port(), "api.test", 16 * 1024)) {
            raw.send("GET /big HTTP/1.1\r\nHost: api.test:" + up.port() + "\r\n\r\n");
            Raw.Response head = raw.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(TOTAL));
            InputStream in = raw.input();
            long read = 0;
            for (long pauseAt : PAUSES) {
                readChecked(in, read, pauseAt - read);
                read = pauseAt;
                assertBounded("HTTP/1.1 paused at " + (read >> 20) + " MiB", read, awaitStall(written), directBefore);
            }
            readChecked(in, read, TOTAL - read);
        }
    }

    @Test
    void slowHttp2ClientStallsTheUpstream() throws Exception {
        AtomicLong written = new AtomicLong();
        long directBefore = usedDirectMemory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), streaming(written))) {
            SlowH2Reader reader = new SlowH2Reader();
            Http2StreamChannel stream = reader.open(group, up.port());
            long read = 0;
            for (long pauseAt : PAUSES) {
                reader.readUntil(stream, pauseAt);
                read = reader.awaitReceived(pauseAt);
                assertBounded("HTTP/2 paused at " + (read >> 20) + " MiB", read, awaitStall(written), directBefore);
            }
            reader.readUntil(stream, TOTAL);
            assertThat(reader.awaitReceived(TOTAL)).isEqualTo(TOTAL);
            assertThat(reader.status).isEqualTo("200");
            assertThat(reader.error).isNull();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void slowHttp2ClientStallsAnHttp2Upstream() throws Exception {
        // h2 end to end: the proxy's upstream stream only consumes (and so re-opens the upstream's
        // window) as fast as it can write to the client's stream
        AtomicLong written = new AtomicLong();
        long directBefore = usedDirectMemory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            int port = startHttp2Upstream(group, written);
            SlowH2Reader reader = new SlowH2Reader();
            Http2StreamChannel stream = reader.open(group, port);
            for (long pauseAt : PAUSES) {
                reader.readUntil(stream, pauseAt);
                long read = reader.awaitReceived(pauseAt);
                assertBounded("HTTP/2 both sides, paused at " + (read >> 20) + " MiB", read, awaitStall(written),
                        directBefore);
            }
            reader.readUntil(stream, TOTAL);
            assertThat(reader.awaitReceived(TOTAL)).isEqualTo(TOTAL);
            assertThat(reader.error).isNull();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * An HTTP/2 upstream (TLS, ALPN h2) that streams TOTAL bytes per request as fast as flow control
     * lets it; {@code written} counts DATA bytes whose write completed.
     */
    private static int startHttp2Upstream(EventLoopGroup group, AtomicLong written) throws Exception {
        SslContext tls = SslContextBuilder.forServer(px.upstreamCert.keyPair().getPrivate(), px.upstreamCert.certificate(),
                        px.upstreamCa.certificate())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), Http2FrameCodecBuilder.forServer().build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new StreamingHttp2Response(written));
                                    }
                                }));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        group.next().terminationFuture().addListener(f -> server.close());
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Writes the pattern while the stream is writable, resuming when it becomes writable again. */
    private static final class StreamingHttp2Response extends ChannelInboundHandlerAdapter {
        private final AtomicLong written;
        private long queued = -1;

        StreamingHttp2Response(AtomicLong written) {
            this.written = written;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h && h.isEndStream() && queued < 0) {
                queued = 0;
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .setLong("content-length", TOTAL)));
                pump(ctx);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        private void pump(ChannelHandlerContext ctx) {
            byte[] chunk = new byte[CHUNK];
            while (queued >= 0 && queued < TOTAL && ctx.channel().isWritable()) {
                for (int i = 0; i < CHUNK; i++) {
                    chunk[i] = expected(queued + i);
                }
                queued += CHUNK;
                ctx.write(new DefaultHttp2DataFrame(ctx.alloc().buffer(CHUNK).writeBytes(chunk), queued >= TOTAL))
                        .addListener(f -> {
                            if (f.isSuccess()) {
                                written.addAndGet(CHUNK);
                            }
                        });
            }
            ctx.flush();
        }
    }

    /**
     * A Netty HTTP/2 client through the proxy (CONNECT, TLS with ALPN h2) with 1 MiB flow-control
     * windows that only reads (and so only grants window) while told to. Its socket buffer stays at
     * the default: HTTP/2 flow control is what must hold the proxy back. (Tiny windows would make
     * loopback crawl: its 64 KiB MSS turns every small window opening into a delayed-ACK wait.)
     */
    private static final class SlowH2Reader {
        static final int WINDOW = 1 << 20;

        final AtomicLong received = new AtomicLong();
        volatile long readUntil;
        volatile @Nullable String status;
        volatile @Nullable String error;

        Http2StreamChannel open(EventLoopGroup group, int upstreamPort) throws Exception {
            SslContext tls = SslContextBuilder.forClient()
                    .trustManager(px.keywayCa.certificate())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                    .build();
            Channel conn = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .resolver(NoopAddressResolverGroup.INSTANCE)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpProxyHandler(new InetSocketAddress("127.0.0.1", px.port()),
                                    ProxyFixture.TOKEN, ProxyFixture.VAULT));
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "api.test", upstreamPort));
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(WINDOW))
                                    .build());
                            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect(InetSocketAddress.createUnresolved("api.test", upstreamPort)).sync().channel();
            conn.writeAndFlush(new DefaultHttp2WindowUpdateFrame(WINDOW)).sync(); // connection window as large
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof Http2HeadersFrame h && h.headers().status() != null) {
                                status = h.headers().status().toString();
                            } else if (msg instanceof Http2DataFrame d) {
                                long at = received.get();
                                // one bulk copy: per-byte access is slow under paranoid leak detection
                                for (byte b : ByteBufUtil.getBytes(d.content())) {
                                    if (b != expected(at) && error == null) {
                                        error = "wrong byte at " + at;
                                    }
                                    at++;
                                }
                                received.set(at);
                                if (at >= readUntil) {
                                    ctx.channel().config().setAutoRead(false);
                                }
                            }
                            ReferenceCountUtil.release(msg);
                        }
                    })
                    .open().sync().getNow();
            stream.config().setAutoRead(false);
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").scheme("https")
                    .authority("api.test:" + upstreamPort).path("/big"), true)).sync();
            return stream;
        }

        void readUntil(Http2StreamChannel stream, long until) {
            readUntil = until;
            stream.eventLoop().execute(() -> {
                stream.config().setAutoRead(true);
                stream.read();
            });
        }

        long awaitReceived(long atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (received.get() < atLeast && error == null) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("received " + received.get() + " of " + atLeast + " bytes; status " + status);
                }
                Thread.sleep(10); // polls a real socket transfer
            }
            return received.get();
        }
    }
}
