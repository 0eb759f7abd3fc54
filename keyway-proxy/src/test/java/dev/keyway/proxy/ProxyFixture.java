package dev.keyway.proxy;

import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.AuthFailure;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.LeafCertificateSource;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.TextRewriter;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import mockwebserver3.MockWebServer;
import okhttp3.Protocol;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Boots a real proxy on 127.0.0.1 with a test policy, audit sink, leaf source (okhttp-tls test CA)
 * and address policy, plus helpers for HTTPS upstreams signed by a separate "upstream" CA that the
 * proxy trusts. Test host names ({@code api.test}, {@code git.test}, ...) resolve to 127.0.0.1 via
 * the pluggable resolver; {@code private.test} resolves to 10.1.2.3, which the address policy blocks.
 *
 * <p>Register per test class with {@code @RegisterExtension static final ProxyFixture px = new ProxyFixture();}.
 */
public final class ProxyFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    static {
        // The JDK HttpClient refuses Basic proxy auth for CONNECT tunnels unless this is cleared
        // before its first use (read once, statically).
        System.setProperty("jdk.http.auth.tunneling.disabledSchemes", "");
    }

    public static final String TOKEN = "t0k";
    public static final String VAULT = "v";
    public static final String SECRET = "REAL-SECRET-123";
    /** A token the policy knows but rejects as expired (reason {@code expired}, id {@link #EXPIRED_TOKEN_ID}). */
    public static final String EXPIRED_TOKEN = "old-token";
    public static final String EXPIRED_TOKEN_ID = "tok_old";
    public static final String GIT_SECRET = "REAL-SECRET";
    public static final Set<String> TEST_HOSTS = Set.of(
            "api.test", "other.test", "git.test", "ws.test", "grpc.test", "sse.test", "tunnel.test", "plain.test",
            "slow.test", "untrusted.test", "down.test", "open.test");

    /** Resolves to 127.0.0.1 but is not a name in the upstream certificate (TLS name checks). */
    public static final String NOT_IN_CERTIFICATE = "nocert.test";

    public final HeldCertificate keywayCa = new HeldCertificate.Builder()
            .certificateAuthority(0).commonName("Keyway Test CA").ecdsa256().build();
    public final HeldCertificate upstreamCa = new HeldCertificate.Builder()
            .certificateAuthority(0).commonName("Upstream Test CA").ecdsa256().build();
    public final HeldCertificate upstreamCert;
    public final HandshakeCertificates upstreamServerCerts;
    /** What a client needs to trust the proxy's leaves: the Keyway CA only. */
    public final HandshakeCertificates clientTrust;

    private final ConcurrentHashMap<String, CompletableFuture<LeafCertificateSource.Leaf>> leaves = new ConcurrentHashMap<>();
    public final ConcurrentLinkedQueue<ProxyAuditEvent> events = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<ProxyAuditEvent> decisions = new ConcurrentLinkedQueue<>();
    private final List<AutoCloseable> perTest = new ArrayList<>();
    private final Consumer<ProxyConfig.Builder> configure;

    /** Policy knobs, reset before each test. */
    public volatile boolean failAuditDecisions;
    /** Decision records become "durable" only once this completes (a test holds requests at the send gate). */
    public volatile CompletableFuture<Void> holdDecisions = CompletableFuture.completedFuture(null);
    public volatile boolean tokenActive = true;
    public volatile boolean rewriteBodies;
    public volatile boolean rewriteWebSocketText;
    /** The policy substitutes {@code __PH__} in the request target with {@link #SECRET} (path/query substitution). */
    public volatile boolean substituteTarget;
    /** Unmatched hosts: false = deny 403 unmatched-host-denied (answered in the tunnel); true = intercept without injection. */
    public volatile boolean interceptUnmatched;
    /** When set, every forwarded request is signed by this signer (sign-mode tests). */
    public volatile dev.keyway.proxy.spi.@Nullable RequestSigner signer;
    private final java.util.concurrent.atomic.AtomicInteger activeChecks = new java.util.concurrent.atomic.AtomicInteger();

    public Path dir;
    public Path caPem;
    private ProxyServer server;

    public ProxyFixture() {
        this(b -> {});
    }

    public ProxyFixture(Consumer<ProxyConfig.Builder> configure) {
        this.configure = configure;
        HeldCertificate.Builder b = new HeldCertificate.Builder().commonName("upstream").ecdsa256().signedBy(upstreamCa)
                .addSubjectAlternativeName("localhost").addSubjectAlternativeName("127.0.0.1");
        for (String h : TEST_HOSTS) {
            b.addSubjectAlternativeName(h);
        }
        upstreamCert = b.build();
        upstreamServerCerts = new HandshakeCertificates.Builder()
                .heldCertificate(upstreamCert, upstreamCa.certificate()).build();
        clientTrust = new HandshakeCertificates.Builder().addTrustedCertificate(keywayCa.certificate()).build();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("keyway-proxy-test");
        caPem = dir.resolve("ca.pem");
        Files.writeString(caPem, keywayCa.certificatePem());
        ProxyConfig.Builder cb = ProxyConfig.builder()
                .bind("127.0.0.1", 0)
                .resolver(this::resolve)
                .upstreamTrust(new HandshakeCertificates.Builder()
                        .addTrustedCertificate(upstreamCa.certificate()).build().trustManager())
                .upstreamResponseTimeout(Duration.ofSeconds(3))
                .headerReadTimeout(Duration.ofSeconds(2))
                .eventLoopThreads(2);
        configure.accept(cb);
        server = ProxyServer.start(cb.build(), new TestPolicy(), new TestAudit(), this::leafFor, new TestAddressPolicy());
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        server.close();
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        failAuditDecisions = false;
        holdDecisions = CompletableFuture.completedFuture(null);
        tokenActive = true;
        rewriteBodies = false;
        rewriteWebSocketText = false;
        substituteTarget = false;
        interceptUnmatched = false;
        signer = null;
        activeChecks.set(0);
        events.clear();
        decisions.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (AutoCloseable c : perTest) {
            c.close();
        }
        perTest.clear();
    }

    /** Closes {@code c} after the current test. */
    public <T extends AutoCloseable> T closeAfterTest(T c) {
        perTest.add(c);
        return c;
    }

    public int port() {
        return server.port();
    }

    /** Client connections the proxy refused because a connection limit was reached. */
    public long refusedConnections() {
        return server.refusedConnections();
    }

    public String proxyUrl() {
        return "http://" + TOKEN + ":" + VAULT + "@127.0.0.1:" + port();
    }

    public String proxyUrlNoCreds() {
        return "http://127.0.0.1:" + port();
    }

    /** An HTTPS MockWebServer on 127.0.0.1 with a certificate for all test hosts (HTTP/1.1 only unless h2). */
    public MockWebServer httpsUpstream(boolean h2) throws IOException {
        MockWebServer s = new MockWebServer();
        s.useHttps(upstreamServerCerts.sslSocketFactory());
        s.setProtocols(h2 ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1) : List.of(Protocol.HTTP_1_1));
        s.start(InetAddress.getByName("127.0.0.1"), 0);
        return closeAfterTest(s);
    }

    /** A connection through the proxy: CONNECT host:port (with credentials), then TLS with the given SNI. */
    Raw intercepted(String host, int port, String sni) throws IOException {
        return intercepted(host, port, sni, 0);
    }

    /** As {@link #intercepted(String, int, String)} with a small client receive buffer (0 = default). */
    Raw intercepted(String host, int port, String sni, int receiveBuffer) throws IOException {
        Raw raw = new Raw(port(), receiveBuffer);
        Raw.Response r = raw.send("CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nProxy-Authorization: " + Raw.basic(TOKEN + ":" + VAULT) + "\r\n\r\n").read();
        if (r.status() != 200) {
            raw.close();
            throw new AssertionError("CONNECT failed: " + r);
        }
        return raw.tls(clientTrust.sslContext(), sni, sni.equals(host));
    }

    /** Polls until the condition holds (audit records are written asynchronously). */
    public static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10); // polls asynchronous network/audit effects, never expiry
        }
    }

    /** How often the policy was asked whether the principal is still active since the test began. */
    public int policyChecks() {
        return activeChecks.get();
    }

    public List<ProxyAuditEvent> events(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    /**
     * The records of one kind for one target port: a test's own records, even when an earlier
     * test's connection is recorded late (after the reset between tests) because it closed late.
     */
    public List<ProxyAuditEvent> events(String kind, int port) {
        return events.stream().filter(e -> e.kind().equals(kind) && e.port() == port).toList();
    }

    // ------------------------------------------------------------------ SPI implementations

    private List<InetAddress> resolve(String host) throws UnknownHostException {
        if (host.equals("private.test")) {
            return List.of(InetAddress.getByAddress(host, new byte[] {10, 1, 2, 3}));
        }
        if (TEST_HOSTS.contains(host) || host.equals("localhost") || host.equals(NOT_IN_CERTIFICATE)) {
            return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        }
        throw new UnknownHostException(host);
    }

    private CompletableFuture<LeafCertificateSource.Leaf> leafFor(String host) {
        return leaves.computeIfAbsent(host, h -> CompletableFuture.supplyAsync(() -> {
            HeldCertificate leaf = new HeldCertificate.Builder().commonName(h).addSubjectAlternativeName(h).ecdsa256()
                    .signedBy(keywayCa).build();
            return new LeafCertificateSource.Leaf(leaf.keyPair().getPrivate(),
                    List.of(leaf.certificate(), keywayCa.certificate()));
        }));
    }

    private static final class TestAddressPolicy implements UpstreamAddressPolicy {
        @Override
        public Vetted vet(String host, List<InetAddress> resolved) {
            for (InetAddress a : resolved) {
                byte[] b = a.getAddress();
                if (b.length == 4 && b[0] == 10) {
                    return new Vetted.Blocked(a.getHostAddress() + " is private (10.0.0.0/8)");
                }
            }
            return new Vetted.Allowed(resolved);
        }
    }

    private final class TestAudit implements AuditSink {
        @Override
        public CompletableFuture<Void> decision(ProxyAuditEvent event) {
            decisions.add(event);
            if (failAuditDecisions) {
                return CompletableFuture.failedFuture(new IOException("disk full"));
            }
            return holdDecisions.thenRunAsync(() -> {});
        }

        @Override
        public void completed(ProxyAuditEvent event) {
            events.add(event);
        }
    }

    static final ProxyPrincipal PRINCIPAL = new ProxyPrincipal("tok_1", "token:test", "vault_v", VAULT);

    private final class TestPolicy implements ProxyPolicy {
        private final Map<String, String> injected = Map.of(
                "api.test", "Bearer " + SECRET,
                "sse.test", "Bearer " + SECRET,
                "ws.test", "Bearer " + SECRET,
                "grpc.test", "Bearer " + SECRET,
                "slow.test", "Bearer " + SECRET,
                "untrusted.test", "Bearer " + SECRET,
                "down.test", "Bearer " + SECRET,
                "plain.test", "Bearer " + SECRET,
                "private.test", "Bearer " + SECRET,
                "git.test", "Basic " + Base64.getEncoder().encodeToString(
                        ("x-access-token:" + GIT_SECRET).getBytes(StandardCharsets.UTF_8)));

        @Override
        public AuthResult authenticate(@Nullable String header, InetSocketAddress client) {
            if (header == null) {
                return new AuthResult.Rejected(new ProxyProblem(ErrorType.PROXY_AUTH_REQUIRED,
                        "send proxy credentials: HTTPS_PROXY=http://<token>:<vault>@host:port"));
            }
            String token = null;
            if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String dec = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                    int c = dec.indexOf(':');
                    token = c < 0 ? dec : dec.substring(0, c);
                } catch (IllegalArgumentException e) {
                    token = null;
                }
            } else if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = header.substring(7).trim();
            }
            if (EXPIRED_TOKEN.equals(token)) {
                return new AuthResult.Rejected(new ProxyProblem(ErrorType.PROXY_AUTH_INVALID, "the proxy token has expired"),
                        AuthFailure.EXPIRED, EXPIRED_TOKEN_ID);
            }
            if (!TOKEN.equals(token)) {
                return new AuthResult.Rejected(new ProxyProblem(ErrorType.PROXY_AUTH_INVALID, "the proxy token is not valid"),
                        AuthFailure.UNKNOWN_TOKEN, null);
            }
            return new AuthResult.Authenticated(PRINCIPAL);
        }

        @Override
        public ConnectDecision onConnect(ProxyPrincipal principal, String host, int port) {
            if (host.equals("tunnel.test") || (host.equals("private.test") && port == 1)) {
                return new ConnectDecision.Tunnel();
            }
            if (injected.containsKey(host) || interceptUnmatched || host.equals("localhost") || host.equals("127.0.0.1")) {
                return new ConnectDecision.Intercept();
            }
            return new ConnectDecision.Deny(new ProxyProblem(ErrorType.UNMATCHED_HOST_DENIED,
                    host + " is not a configured service; propose access with `keyway propose`",
                    Map.of("host", host)));
        }

        @Override
        public RequestDecision onRequest(ProxyPrincipal principal, RequestHead head) {
            String auth = injected.get(head.host());
            if (auth == null && !interceptUnmatched) {
                return new RequestDecision.Deny(new ProxyProblem(ErrorType.UNMATCHED_HOST_DENIED, "no service"), null);
            }
            if (head.path().startsWith("/forbidden")) {
                return new RequestDecision.Deny(
                        new ProxyProblem(ErrorType.SERVICE_RULE_DENIED, "path not allowed"), "svc-" + head.host());
            }
            List<HttpHead.Header> hs = new ArrayList<>();
            for (HttpHead.Header h : head.headers()) {
                String n = h.lowerName();
                if (!n.equals("authorization") && !n.equals("proxy-authorization")) {
                    hs.add(h);
                }
            }
            if (auth != null) {
                hs.add(new HttpHead.Header("Authorization", auth));
            }
            String target = substituteTarget ? head.pathAndQuery().replace("__PH__", SECRET) : head.pathAndQuery();
            RequestHead out = new RequestHead(head.scheme(), head.host(), head.port(), head.method(), target, hs);
            BodyRewriter body = rewriteBodies ? new Replacer("__PH__", GIT_SECRET) : null;
            TextRewriter ws = rewriteWebSocketText ? s -> s.replace("__PH__", GIT_SECRET) : null;
            if (signer != null) {
                return new RequestDecision.Forward(out, null, ws, "signed", List.of("signing-key"), signer);
            }
            return new RequestDecision.Forward(out, body, ws, auth == null ? null : "svc-" + head.host(),
                    auth == null ? List.of() : List.of("token"));
        }

        @Override
        public boolean isActive(ProxyPrincipal principal) {
            activeChecks.incrementAndGet();
            return tokenActive;
        }
    }

    /** Streaming placeholder replacement that handles matches split across chunks. */
    static final class Replacer implements BodyRewriter {
        private final byte[] from;
        private final byte[] to;
        private byte[] carry = new byte[0];

        Replacer(String from, String to) {
            this.from = from.getBytes(StandardCharsets.UTF_8);
            this.to = to.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] update(byte[] chunk) {
            byte[] buf = new byte[carry.length + chunk.length];
            System.arraycopy(carry, 0, buf, 0, carry.length);
            System.arraycopy(chunk, 0, buf, carry.length, chunk.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream(buf.length + 64);
            int safe = buf.length - (from.length - 1);
            int i = 0;
            while (i < buf.length) {
                if (i + from.length <= buf.length && matches(buf, i)) {
                    out.writeBytes(to);
                    i += from.length;
                } else if (i >= safe) {
                    break;
                } else {
                    out.write(buf[i]);
                    i++;
                }
            }
            carry = java.util.Arrays.copyOfRange(buf, i, buf.length);
            return out.toByteArray();
        }

        private boolean matches(byte[] buf, int at) {
            for (int j = 0; j < from.length; j++) {
                if (buf[at + j] != from[j]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public byte[] finish() {
            byte[] c = carry;
            carry = new byte[0];
            return c;
        }
    }
}
