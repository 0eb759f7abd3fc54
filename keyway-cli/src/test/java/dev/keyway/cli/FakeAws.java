package dev.keyway.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keyway.core.aws.AwsAuthorization;
import dev.keyway.core.aws.AwsChunkedResigner;
import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import dev.keyway.core.aws.SigV4Verifier;
import dev.keyway.proxy.spi.LeafCertificateSource;
import dev.keyway.proxy.tls.CertificateAuthority;
import dev.keyway.proxy.tls.LeafMinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A local HTTPS stand-in for AWS, strict about signatures: STS ({@code AssumeRole} signed with a
 * known host key; {@code GetCallerIdentity} signed with an issued session key) and a small S3
 * (list buckets, list objects, put, get) that accepts only requests carrying a valid SigV4
 * signature from an assumed-role session — including signed aws-chunked uploads, whose chunk
 * signatures it verifies too. Every decision is recorded so tests can assert what AWS would have
 * seen.
 */
final class FakeAws implements AutoCloseable {
    static final String HOST_KEY_ID = "AKIAHOSTKEYEXAMPLE01";
    static final String HOST_SECRET = "host/secret/for/the/fake/sts/0123456789";
    static final String ACCOUNT = "123456789012";

    /** One request as the fake judged it. */
    record Seen(String service, String operation, String method, String path, @Nullable String accessKeyId, int status,
            String contentSha256) {}

    private final HttpsServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Path caFile;
    final Map<String, String> issued = new ConcurrentHashMap<>();
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger assumeCalls = new AtomicInteger();
    /** The AssumeRole parameters (Policy, Tags.member.N.Key...) of the call that issued each access key id. */
    final Map<String, Map<String, String>> assumedWith = new ConcurrentHashMap<>();
    volatile @Nullable Duration sessionLength;
    /** The JSON bodies of accepted DynamoDB calls. */
    final List<String> dynamoBodies = new CopyOnWriteArrayList<>();
    /** Lets a streaming response send its last event. */
    final java.util.concurrent.CountDownLatch releaseStream = new java.util.concurrent.CountDownLatch(1);

    FakeAws(Path dir) throws IOException {
        try {
            CertificateAuthority ca = CertificateAuthority.generate("fakeaws", Clock.systemUTC());
            LeafCertificateSource.Leaf leaf = new LeafMinter(ca, Clock.systemUTC()).mint("localhost");
            caFile = dir.resolve("fake-aws-ca.pem");
            Files.writeString(caFile, ca.certificatePem());
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("leaf", leaf.key(), new char[0], leaf.chain().toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "https://localhost:" + port();
    }

    Path caFile() {
        return caFile;
    }

    /** Keyway's AWS environment: STS here, the fake's CA trusted, the host key, no metadata lookups. */
    Map<String, String> keywayEnv() {
        return new HashMap<>(Map.of("AWS_ENDPOINT_URL_STS", url(), "AWS_CA_BUNDLE", caFile.toString(), "AWS_ACCESS_KEY_ID",
                HOST_KEY_ID, "AWS_SECRET_ACCESS_KEY", HOST_SECRET, "AWS_EC2_METADATA_DISABLED", "true"));
    }

    List<Seen> accepted(String service) {
        return seen.stream().filter(s -> s.service().equals(service) && s.status() < 300).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            AwsAuthorization a = AwsAuthorization.parse(auth);
            String service = a != null ? a.service() : "?";
            String contentSha = ex.getRequestHeaders().getFirst("x-amz-content-sha256");
            String payloadHash = contentSha != null ? contentSha : SigV4.sha256Hex(body);
            if (contentSha != null && contentSha.length() == 64 && !contentSha.equals(SigV4.sha256Hex(body))) {
                reject(ex, service, a, "XAmzContentSHA256Mismatch", "the body does not match x-amz-content-sha256", payloadHash);
                return;
            }
            Map<String, String> form = service.equals("sts") ? form(new String(body, StandardCharsets.UTF_8)) : Map.of();
            boolean assume = "AssumeRole".equals(form.get("Action"));
            SigV4Verifier.Result v = SigV4Verifier.verify(request(ex, payloadHash), id -> assume
                    ? (id.equals(HOST_KEY_ID) ? HOST_SECRET : null) : issued.get(id));
            if (v instanceof SigV4Verifier.Result.Invalid i) {
                reject(ex, service, a, i.code(), i.message(), payloadHash);
                return;
            }
            if (AwsChunkedResigner.isSignedStreaming(payloadHash)) {
                body = verifyChunks(body, a, ex.getRequestHeaders().getFirst("x-amz-date"), payloadHash, auth);
                if (body == null) {
                    reject(ex, service, a, "SignatureDoesNotMatch", "a chunk signature is invalid", payloadHash);
                    return;
                }
            } else if (payloadHash.startsWith("STREAMING-UNSIGNED")) {
                body = dechunk(body);
            }
            if (service.equals("sts")) {
                sts(ex, a, form, payloadHash);
            } else if (service.equals("dynamodb")) {
                dynamodb(ex, a, body, payloadHash);
            } else if (service.equals("bedrock")) {
                stream(ex, a, payloadHash);
            } else {
                s3(ex, a, body, payloadHash);
            }
        }
    }

    private void sts(HttpExchange ex, AwsAuthorization a, Map<String, String> form, String sha) throws IOException {
        String action = form.getOrDefault("Action", "?");
        if (action.equals("AssumeRole")) {
            assumeCalls.incrementAndGet();
            int n = issued.size() + 1;
            String id = "ASIAFAKESESSION" + String.format("%05d", n);
            String secret = "assumed/secret/" + n + "/" + Long.toHexString(System.nanoTime());
            issued.put(id, secret);
            assumedWith.put(id, Map.copyOf(form));
            Duration len = sessionLength != null ? sessionLength : Duration.ofSeconds(Long.parseLong(form.get("DurationSeconds")));
            String arn = form.get("RoleArn").replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/"
                    + form.get("RoleSessionName");
            seen.add(new Seen("sts", action, "POST", "/", a.accessKeyId(), 200, sha));
            send(ex, 200, "text/xml", "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
                    + "<AssumedRoleUser><AssumedRoleId>AROAFAKE:s</AssumedRoleId><Arn>" + arn + "</Arn></AssumedRoleUser>"
                    + "<Credentials><AccessKeyId>" + id + "</AccessKeyId><SecretAccessKey>" + secret + "</SecretAccessKey>"
                    + "<SessionToken>token-" + n + "</SessionToken><Expiration>" + Instant.now().plus(len) + "</Expiration>"
                    + "</Credentials></AssumeRoleResult></AssumeRoleResponse>");
            return;
        }
        if (action.equals("GetCallerIdentity")) {
            seen.add(new Seen("sts", action, "POST", "/", a.accessKeyId(), 200, sha));
            send(ex, 200, "text/xml", "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    + "<GetCallerIdentityResult><Arn>arn:aws:sts::" + ACCOUNT + ":assumed-role/AgentRole/" + a.accessKeyId()
                    + "</Arn><UserId>AROAFAKE:" + a.accessKeyId() + "</UserId><Account>" + ACCOUNT + "</Account>"
                    + "</GetCallerIdentityResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata>"
                    + "</GetCallerIdentityResponse>");
            return;
        }
        seen.add(new Seen("sts", action, "POST", "/", a.accessKeyId(), 400, sha));
        send(ex, 400, "text/xml", "<ErrorResponse><Error><Code>InvalidAction</Code><Message>no</Message></Error></ErrorResponse>");
    }

    private void s3(HttpExchange ex, AwsAuthorization a, byte[] body, String sha) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        String op;
        // recorded before the response goes out: a client that has its answer must find the request in `seen`
        java.util.function.Consumer<String> record = o -> seen.add(new Seen("s3", o, method, path, a.accessKeyId(), 200, sha));
        if (method.equals("GET") && path.equals("/")) {
            op = "ListBuckets";
            record.accept(op);
            send(ex, 200, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult "
                    + "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>o</ID><DisplayName>o</DisplayName></Owner>"
                    + "<Buckets><Bucket><Name>agent-bucket</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate></Bucket>"
                    + "</Buckets></ListAllMyBucketsResult>");
        } else if (method.equals("GET") && path.indexOf('/', 1) < 0) {
            op = "ListObjectsV2";
            String bucket = path.substring(1);
            StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult "
                    + "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" + bucket + "</Name><Prefix></Prefix><KeyCount>");
            List<String> keys = objects.keySet().stream().filter(k -> k.startsWith(path + "/")).sorted().toList();
            sb.append(keys.size()).append("</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>");
            for (String k : keys) {
                sb.append("<Contents><Key>").append(k.substring(path.length() + 1)).append("</Key><LastModified>")
                        .append("2025-01-01T00:00:00.000Z</LastModified><ETag>\"e\"</ETag><Size>").append(objects.get(k).length)
                        .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
            }
            record.accept(op);
            send(ex, 200, "application/xml", sb.append("</ListBucketResult>").toString());
        } else if (method.equals("PUT")) {
            op = "PutObject";
            objects.put(path, body);
            ex.getResponseHeaders().set("ETag", "\"" + SigV4.sha256Hex(body).substring(0, 32) + "\"");
            record.accept(op);
            send(ex, 200, "application/xml", "");
        } else if (method.equals("GET") || method.equals("HEAD")) {
            op = method.equals("GET") ? "GetObject" : "HeadObject";
            byte[] o = objects.get(path);
            if (o == null) {
                seen.add(new Seen("s3", op, method, path, a.accessKeyId(), 404, sha));
                send(ex, 404, "application/xml", "<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().set("ETag", "\"e\"");
            ex.getResponseHeaders().set("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT");
            record.accept(op);
            if (method.equals("HEAD")) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(o.length));
            }
            ex.sendResponseHeaders(200, method.equals("HEAD") ? -1 : o.length);
            if (method.equals("GET")) {
                ex.getResponseBody().write(o);
            }
        } else {
            op = "?";
            record.accept(op);
            send(ex, 405, "application/xml", "<Error><Code>MethodNotAllowed</Code><Message>no</Message></Error>");
        }
    }

    /** DynamoDB's JSON protocol: POST /, the operation in X-Amz-Target, a JSON body (signed by its hash). */
    private void dynamodb(HttpExchange ex, AwsAuthorization a, byte[] body, String sha) throws IOException {
        String target = String.valueOf(ex.getRequestHeaders().getFirst("X-Amz-Target"));
        String op = target.substring(target.indexOf('.') + 1);
        if (!target.equals("DynamoDB_20120810.ListTables")) {
            seen.add(new Seen("dynamodb", op, "POST", "/", a.accessKeyId(), 400, sha));
            send(ex, 400, "application/x-amz-json-1.0", "{\"__type\":\"com.amazon.coral.service#UnknownOperationException\"}");
            return;
        }
        dynamoBodies.add(new String(body, StandardCharsets.UTF_8));
        seen.add(new Seen("dynamodb", op, "POST", "/", a.accessKeyId(), 200, sha));
        send(ex, 200, "application/x-amz-json-1.0", "{\"TableNames\":[\"agent-table\",\"audit-table\"]}");
    }

    /**
     * A Bedrock-runtime-style streaming response ({@code application/vnd.amazon.eventstream}, chunked):
     * the first event is flushed, then the fake waits for {@link #releaseStream} before the second, so a
     * test can prove the first arrived through the proxy while the response was still open.
     */
    private void stream(HttpExchange ex, AwsAuthorization a, String sha) throws IOException {
        seen.add(new Seen("bedrock", "InvokeModelWithResponseStream", ex.getRequestMethod(), ex.getRequestURI().getPath(),
                a.accessKeyId(), 200, sha));
        ex.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
        ex.sendResponseHeaders(200, 0);
        var out = ex.getResponseBody();
        out.write("event-1:hello;".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        try {
            releaseStream.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.write("event-2:world;".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private void reject(HttpExchange ex, String service, @Nullable AwsAuthorization a, String code, String message, String sha)
            throws IOException {
        seen.add(new Seen(service, "rejected:" + code, ex.getRequestMethod(), ex.getRequestURI().getPath(),
                a == null ? null : a.accessKeyId(), 403, sha));
        if (service.equals("sts")) {
            send(ex, 403, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message
                    + "</Message></Error><RequestId>e</RequestId></ErrorResponse>");
        } else {
            send(ex, 403, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                    + message + "</Message></Error>");
        }
    }

    /** Verifies every chunk signature (re-signing with the right key must reproduce the body) and decodes. */
    private @Nullable byte[] verifyChunks(byte[] body, AwsAuthorization a, String amzDate, String sha, String auth) {
        String secret = issued.get(a.accessKeyId());
        byte[] key = SigV4.signingKey(secret, a.date(), a.region(), a.service());
        AwsChunkedResigner r = new AwsChunkedResigner(key, amzDate, a.scope(), a.signature(),
                sha.equals(SigV4.STREAMING_PAYLOAD_TRAILER), 16 << 20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            out.writeBytes(r.update(body));
            out.writeBytes(r.finish());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return java.util.Arrays.equals(out.toByteArray(), body) ? dechunk(body) : null;
    }

    /** Decodes aws-chunked framing (ignores chunk extensions and trailers). */
    static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int eol = indexOf(body, i);
            String head = new String(body, i, eol - i, StandardCharsets.ISO_8859_1);
            int semi = head.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? head : head.substring(0, semi)).strip(), 16);
            i = eol + 2;
            if (n == 0) {
                break;
            }
            out.write(body, i, n);
            i += n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("no CRLF");
    }

    static SigV4Signer.Request request(HttpExchange ex, String payloadHash) {
        List<SigV4Signer.Header> headers = new ArrayList<>();
        ex.getRequestHeaders().forEach((k, vs) -> vs.forEach(v -> headers.add(new SigV4Signer.Header(k, v))));
        String q = ex.getRequestURI().getRawQuery();
        return new SigV4Signer.Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath() + (q == null ? "" : "?" + q), headers,
                payloadHash);
    }

    static Map<String, String> form(String body) {
        Map<String, String> m = new HashMap<>();
        for (String p : body.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
