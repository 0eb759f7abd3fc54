package dev.keyway.server.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import dev.keyway.core.aws.SigV4Verifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;

/**
 * A local HTTPS STS that speaks the AWS Query protocol: {@code AssumeRole} answers with fresh
 * credentials whose expiry the test controls, after verifying the request's SigV4 signature
 * against the host keys it knows or the sessions it issued (a wrong key gets
 * {@code SignatureDoesNotMatch}). Tests can
 * queue failures and hold calls on a latch.
 */
public final class FakeSts implements AutoCloseable {
    public static final String HOST_KEY_ID = "AKIAHOSTKEYEXAMPLE01";
    public static final String HOST_SECRET = "host/secret/for/the/fake/sts/0123456789";

    private final HttpsServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Clock clock;
    private final Path caFile;
    public final Map<String, String> hostKeys = new ConcurrentHashMap<>(Map.of(HOST_KEY_ID, HOST_SECRET));
    /** Every issued session: access key id → secret. */
    public final Map<String, String> issued = new ConcurrentHashMap<>();
    public final List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    /** The access key id each call was signed with, in call order ("" for unsigned calls). */
    public final List<String> signers = new CopyOnWriteArrayList<>();
    public final AtomicInteger assumeCalls = new AtomicInteger();
    public final List<String> failures = new CopyOnWriteArrayList<>();
    /** Session length override; null = what the request asks for (DurationSeconds, default 1 h). */
    public volatile @Nullable Duration sessionLength;
    public final AtomicReference<@Nullable CountDownLatch> hold = new AtomicReference<>();
    public final CountDownLatch firstArrived = new CountDownLatch(1);

    public FakeSts(Path dir, Clock clock) throws IOException {
        this.clock = clock;
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("fake aws CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .addSubjectAlternativeName("127.0.0.1").ecdsa256().signedBy(ca).build();
        caFile = dir.resolve("fake-aws-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        HandshakeCertificates certs = new HandshakeCertificates.Builder().heldCertificate(leaf).build();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certs.sslContext()));
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    public String url() {
        return "https://localhost:" + server.getAddress().getPort();
    }

    public Path caFile() {
        return caFile;
    }

    /** An environment pointing Keyway's AWS calls here, with the fake's host key and no metadata lookups. */
    public Map<String, String> env() {
        Map<String, String> m = new HashMap<>();
        m.put("AWS_ENDPOINT_URL_STS", url());
        m.put("AWS_CA_BUNDLE", caFile.toString());
        m.put("AWS_ACCESS_KEY_ID", HOST_KEY_ID);
        m.put("AWS_SECRET_ACCESS_KEY", HOST_SECRET);
        m.put("AWS_EC2_METADATA_DISABLED", "true");
        return m;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
            calls.add(form);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            int cred = auth == null ? -1 : auth.indexOf("Credential=");
            signers.add(cred < 0 ? "" : auth.substring(cred + 11, auth.indexOf('/', cred)));
            SigV4Signer.Request r = request(ex, SigV4.sha256Hex(body));
            boolean web = "AssumeRoleWithWebIdentity".equals(form.get("Action"));
            if (!web) {
                // Sessions it issued may call AssumeRole too (role chaining).
                SigV4Verifier.Result v = SigV4Verifier.verify(r, k -> hostKeys.containsKey(k) ? hostKeys.get(k) : issued.get(k));
                if (v instanceof SigV4Verifier.Result.Invalid i) {
                    error(ex, 403, i.code(), i.message());
                    return;
                }
            }
            if ("AssumeRole".equals(form.get("Action")) || web) {
                assumeCalls.incrementAndGet();
                firstArrived.countDown();
                CountDownLatch h = hold.get();
                if (h != null) {
                    h.await(30, TimeUnit.SECONDS);
                }
                if (!failures.isEmpty()) {
                    String code = failures.removeFirst();
                    error(ex, code.equals("InternalFailure") ? 500 : 403, code, code.equals("AccessDenied")
                            ? "User: arn:aws:iam::111122223333:user/keyway is not authorized to perform: sts:AssumeRole on resource: "
                                    + form.get("RoleArn") : "fake failure " + code);
                    return;
                }
                int n = issued.size() + 1;
                String id = "ASIAFAKESESSION" + String.format("%05d", n);
                String secret = "assumed/secret/" + n + "/" + Long.toHexString(System.nanoTime());
                issued.put(id, secret);
                Duration len = sessionLength != null ? sessionLength
                        : Duration.ofSeconds(Long.parseLong(form.getOrDefault("DurationSeconds", "3600")));
                Instant exp = clock.instant().plus(len);
                String role = form.get("RoleArn");
                String assumed = role == null ? "?" : role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/"
                        + form.get("RoleSessionName");
                String action = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
                send(ex, 200, "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action + "Result>"
                        + "<AssumedRoleUser><AssumedRoleId>AROAFAKE:" + form.get("RoleSessionName") + "</AssumedRoleId><Arn>"
                        + assumed + "</Arn></AssumedRoleUser><Credentials><AccessKeyId>" + id + "</AccessKeyId><SecretAccessKey>"
                        + secret + "</SecretAccessKey><SessionToken>token-" + n + "</SessionToken><Expiration>" + exp
                        + "</Expiration></Credentials></" + action + "Result><ResponseMetadata><RequestId>r" + n
                        + "</RequestId></ResponseMetadata></" + action + "Response>");
                return;
            }
            error(ex, 400, "InvalidAction", "unsupported action");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static SigV4Signer.Request request(HttpExchange ex, String payloadHash) {
        List<SigV4Signer.Header> headers = new ArrayList<>();
        ex.getRequestHeaders().forEach((k, vs) -> vs.forEach(v -> headers.add(new SigV4Signer.Header(k, v))));
        String q = ex.getRequestURI().getRawQuery();
        return new SigV4Signer.Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath() + (q == null ? "" : "?" + q),
                headers, payloadHash);
    }

    static Map<String, String> form(String body) {
        Map<String, String> m = new HashMap<>();
        for (String p : body.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(p.substring(eq + 1),
                        StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        send(ex, status, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>"
                + code + "</Code><Message>" + message + "</Message></Error><RequestId>e</RequestId></ErrorResponse>");
    }

    static void send(HttpExchange ex, int status, String xml) throws IOException {
        byte[] b = xml.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/xml");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        CountDownLatch h = hold.getAndSet(null);
        if (h != null) {
            h.countDown();
        }
        server.stop(0);
        pool.shutdownNow();
    }
}
