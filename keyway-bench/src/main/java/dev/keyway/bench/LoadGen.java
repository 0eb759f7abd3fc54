package dev.keyway.bench;

import dev.keyway.core.error.KeywayException;
import dev.keyway.proxy.tls.UpstreamTrust;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * End-to-end HTTPS load generator: drives a fixed number of closed-loop connections against a
 * target, straight or through an HTTP CONNECT proxy (Keyway), and reports requests/s, response
 * MB/s, latency percentiles and errors by kind, plus the proxy's CPU per request and peak RSS when
 * given its pid. Built on Netty (epoll when available) rather than the JDK HttpClient so the
 * generator is not the bottleneck, and always verifies certificates against the given CAs.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.keyway.bench.LoadGen --target https://localhost:8443/small
 * --proxy 127.0.0.1:9791 --proxy-auth TOKEN:default --ca keyway-ca.pem --ca upstream-ca.pem}. The
 * last line of the output is the result as JSON.
 */
public final class LoadGen {
    private static final String SESSION_CACHE_PROPERTY = "io.netty.handler.ssl.openssl.sessionCacheClient";

    private LoadGen() {}

    public static void main(String[] args) throws Exception {
        LoadGenOptions options;
        try {
            options = LoadGenOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("loadgen: " + e.getMessage());
            System.err.println(LoadGenOptions.USAGE);
            System.exit(2);
            return;
        }
        // must be set before Netty's OpenSSL context class initialises
        System.setProperty(SESSION_CACHE_PROPERTY, Boolean.toString(options.tlsResume()));
        LoadResult result;
        try {
            result = run(options, System.out);
        } catch (KeywayException e) {
            System.err.println("loadgen: " + e.detail());
            System.exit(2);
            return;
        }
        System.exit(result.stats().requests > 0 ? 0 : 1);
    }

    /** Runs the load, prints the human report and the JSON line to {@code out}, and returns the result. */
    public static LoadResult run(LoadGenOptions o, PrintStream out) throws Exception {
        SslContext ssl = clientContext(o);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(o.threads(), new DefaultThreadFactory("loadgen", true), io);
        try {
            Bootstrap base = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, o.timeout().toMillis()));
            SocketAddress destination;
            InetSocketAddress proxy;
            if (o.viaProxy()) {
                // the proxy resolves the target: connect() must pass the name through unresolved
                base.resolver(NoopAddressResolverGroup.INSTANCE);
                destination = InetSocketAddress.createUnresolved(o.host(), o.port());
                proxy = new InetSocketAddress(InetAddress.getByName(o.proxyHost()), o.proxyPort());
            } else {
                destination = new InetSocketAddress(InetAddress.getByName(o.host()), o.port());
                proxy = InetSocketAddress.createUnresolved("unused", 1);
            }
            long start = System.nanoTime();
            long measureStart = start + o.warmup().toNanos();
            long measureEnd = measureStart + o.duration().toNanos();
            LoadRun run = new LoadRun(o, base, ssl, destination, proxy, measureStart, measureEnd);
            List<ClientWorker> workers = new ArrayList<>(o.concurrency());
            for (int i = 0; i < o.concurrency(); i++) {
                workers.add(new ClientWorker(run, group.next()));
            }
            out.printf("loadgen: %s (%s): %d connections on %d %s threads, warm-up %.1f s, measuring %.1f s%n",
                    o.label(), o.viaProxy() ? "proxy" : "direct", o.concurrency(), o.threads(), epoll ? "epoll" : "nio",
                    o.warmup().toMillis() / 1000.0, o.duration().toMillis() / 1000.0);
            out.flush();
            if (o.samplePid() > 0 && !ProcSample.resetPeak(o.samplePid())) {
                out.println("loadgen: cannot reset the peak RSS of pid " + o.samplePid()
                        + " (not our process): its peak RSS covers its whole life");
            }
            workers.forEach(ClientWorker::start);

            long self = ProcessHandle.current().pid();
            sleepUntil(measureStart);
            ProcSample proxyBefore = o.samplePid() > 0 ? ProcSample.read(o.samplePid()) : null;
            ProcSample selfBefore = ProcSample.read(self);
            sleepUntil(measureEnd);
            ProcSample proxyAfter = o.samplePid() > 0 ? ProcSample.read(o.samplePid()) : null;
            ProcSample selfAfter = ProcSample.read(self);
            run.stop();

            SlotStats total = new SlotStats();
            for (ClientWorker w : workers) {
                total.merge(w.loop().submit(w::stop).get(10, TimeUnit.SECONDS));
            }
            double seconds = o.duration().toNanos() / 1e9;
            LoadResult result = new LoadResult(o, seconds, total,
                    cpuSeconds(proxyBefore, proxyAfter, o.clockTicks()),
                    proxyAfter == null ? -1 : proxyAfter.peakRssKb(),
                    proxyAfter == null ? -1 : proxyAfter.rssKb(),
                    cpuSeconds(selfBefore, selfAfter, o.clockTicks()));
            out.print(result.toText());
            String json = result.toJson();
            out.println(json);
            out.flush();
            if (o.jsonOut() != null) {
                Files.writeString(o.jsonOut(), json + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return result;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static double cpuSeconds(@Nullable ProcSample before, @Nullable ProcSample after, int ticksPerSecond) {
        if (before == null || after == null) {
            return -1;
        }
        return (after.cpuTicks() - before.cpuTicks()) / (double) ticksPerSecond;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /**
     * TLS 1.3/1.2 client trusting exactly the certificates in the {@code --ca} files, verifying the
     * host name, offering only HTTP/1.1 in ALPN.
     */
    static SslContext clientContext(LoadGenOptions o) throws IOException {
        List<X509Certificate> trusted = new ArrayList<>();
        for (var file : o.caFiles()) {
            trusted.addAll(UpstreamTrust.readPemCertificates(file));
        }
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("no CA certificates given: pass --ca FILE for the upstream (and the proxy)");
        }
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .trustManager(trusted.toArray(X509Certificate[]::new))
                    .endpointIdentificationAlgorithm("HTTPS")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw new IOException("cannot build the client TLS context: " + e.getMessage(), e);
        }
    }
}
