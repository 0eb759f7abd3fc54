package dev.keyway.proxy;

import dev.keyway.core.inject.HttpHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@link RequestSigner} contract in the engine: the signer sees the head exactly as it will be
 * written upstream (and the whole body when it asks), nothing goes upstream before it answers, its
 * headers replace the request's, its length-preserving body rewriter applies to every byte, and its
 * failures become problems with nothing forwarded.
 */
class SigningTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(b -> b.maxBufferedBody(64 * 1024));

    /** Records what it was asked to sign, adds X-Signature = sha256(body or "-"), optionally after a latch. */
    static final class TestSigner implements RequestSigner {
        final boolean needsBody;
        final AtomicReference<RequestHead> seenHead = new AtomicReference<>();
        final AtomicReference<byte @Nullable []> seenBody = new AtomicReference<>();
        volatile @Nullable CountDownLatch gate;
        volatile @Nullable RuntimeException failWith;
        volatile @Nullable BodyRewriter rewriter;
        /** When set, the signer sends this request target instead (a signature in the query). */
        volatile @Nullable String target;

        TestSigner(boolean needsBody) {
            this.needsBody = needsBody;
        }

        @Override
        public boolean needsBody() {
            return needsBody;
        }

        @Override
        public CompletableFuture<Signed> sign(RequestHead head, byte @Nullable [] body) {
            seenHead.set(head);
            seenBody.set(body);
            return CompletableFuture.supplyAsync(() -> {
                CountDownLatch g = gate;
                if (g != null) {
                    try {
                        g.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                if (failWith != null) {
                    throw failWith;
                }
                List<HttpHead.Header> out = new ArrayList<>();
                for (HttpHead.Header h : head.headers()) {
                    if (!h.lowerName().equals("authorization")) {
                        out.add(h);
                    }
                }
                out.add(new HttpHead.Header("Authorization", "TEST-SIGNED"));
                out.add(new HttpHead.Header("X-Signature", body == null ? "-" : sha256(body)));
                return new Signed(out, rewriter, dev.keyway.core.inject.Redactions.none(), target);
            });
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Upper-cases ASCII letters: keeps the length, like aws-chunked re-signing. */
    static final class Upper implements BodyRewriter {
        @Override
        public byte[] update(byte[] chunk) {
            return new String(chunk, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public byte[] finish() {
            return new byte[0];
        }
    }

    @Test
    void signerGetsTheFinalHeadAndWholeBodyAndItsHeadersAreSent() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        TestSigner signer = new TestSigner(true);
        signer.gate = new CountDownLatch(1);
        px.signer = signer;
        String body = "Action=GetCallerIdentity&Version=2011-06-15";
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            raw.send("POST /sts HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\nAuthorization: placeholder\r\n"
                    + "Expect: 100-continue\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "10\r\n" + body.substring(0, 16) + "\r\n" + Integer.toHexString(body.length() - 16) + "\r\n"
                    + body.substring(16) + "\r\n0\r\n\r\n");
            ProxyFixture.eventually(() -> signer.seenHead.get() != null);
            assertThat(up.getRequestCount()).as("nothing upstream before the signer answers").isZero();
            signer.gate.countDown();
            Raw.Response r = raw.read();
            assertThat(r.status()).as("the proxy answers the client's Expect itself").isEqualTo(100);
            assertThat(raw.read().status()).isEqualTo(200);
        }
        RequestHead seen = signer.seenHead.get();
        assertThat(seen.header("Host")).isEqualTo("api.test:" + up.getPort());
        assertThat(seen.header("Content-Length")).isEqualTo(Integer.toString(body.length()));
        assertThat(seen.header("Expect")).isNull();
        assertThat(seen.header("Transfer-Encoding")).isNull();
        assertThat(seen.header("Proxy-Authorization")).isNull();
        assertThat(signer.seenBody.get()).asString(StandardCharsets.UTF_8).isEqualTo(body);
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertThat(req.getHeaders().values("Authorization")).containsExactly("TEST-SIGNED");
        assertThat(req.getHeaders().get("X-Signature")).isEqualTo(sha256(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(req.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(body.length()));
        assertThat(req.getBody().utf8()).isEqualTo(body);
    }

    @Test
    void aDeclaredPayloadHashStreamsTheBodyThroughTheSignersLengthPreservingRewriter() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        TestSigner signer = new TestSigner(false);
        signer.rewriter = new Upper();
        px.signer = signer;
        String body = "abc".repeat(50_000); // larger than maxBufferedBody: streamed, not buffered
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("PUT /bucket/key HTTP/1.1\r\nHost: api.test:" + up.getPort()
                    + "\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(signer.seenBody.get()).isNull();
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertThat(req.getHeaders().get("X-Signature")).isEqualTo("-");
        assertThat(req.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(body.length()));
        assertThat(req.getHeaders().get("Transfer-Encoding")).isNull();
        assertThat(req.getBody().utf8()).isEqualTo(body.toUpperCase(Locale.ROOT));
    }

    @Test
    void aBodylessRequestIsSignedOverTheEmptyBody() throws Exception {
        MockWebServer up = px.httpsUpstream(true);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        TestSigner signer = new TestSigner(true);
        px.signer = signer;
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            assertThat(raw.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read().status()).isEqualTo(200);
        }
        assertThat(signer.seenBody.get()).isEmpty();
        assertThat(up.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("X-Signature")).isEqualTo(sha256(new byte[0]));
    }

    /** A signer that carries its signature in the query (Binance's signature=) replaces the request target. */
    @Test
    void theSignersRequestTargetReplacesTheClients() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        TestSigner signer = new TestSigner(false);
        signer.target = "/api/v3/account?timestamp=1&signature=abc";
        px.signer = signer;
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            assertThat(raw.send("GET /api/v3/account?signature=agents HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n")
                    .read().status()).isEqualTo(200);
        }
        assertThat(signer.seenHead.get().pathAndQuery()).isEqualTo("/api/v3/account?signature=agents");
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertThat(req.getTarget()).isEqualTo("/api/v3/account?timestamp=1&signature=abc");
        assertThat(req.getHeaders().values("Authorization")).containsExactly("TEST-SIGNED");
    }

    @Test
    void aSignedTargetMustBeOriginFormPrintableAscii() {
        for (String bad : new String[] {"http://evil/", "/a b", "/a\r\nX: y", "x"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RequestSigner.Signed(List.of(), null,
                    dev.keyway.core.inject.Redactions.none(), bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void signerFailuresAreProblemsAndNothingIsForwarded() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        TestSigner refused = new TestSigner(true);
        refused.failWith = new RequestSigner.Refused(new ProxyProblem(ErrorType.SERVICE_RULE_DENIED, "not for you"));
        px.signer = refused;
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("not for you");
        }
        TestSigner broken = new TestSigner(false);
        broken.failWith = new IllegalStateException("sts down: secret detail");
        px.signer = broken;
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.headers().get("keyway-error")).isEqualTo("credential-unavailable");
            assertThat(r.body()).contains("could not be signed").doesNotContain("secret detail");
        }
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void aBodyTooLargeToBufferForSigningIs413() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        px.signer = new TestSigner(true);
        String body = "x".repeat(64 * 1024 + 1);
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("POST /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("UNSIGNED-PAYLOAD");
        }
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void aSignerThatSawTheWholeBodyMayRewriteItToAnotherLengthAndItsContentLengthFollows() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        TestSigner signer = new TestSigner(true);
        signer.rewriter = new ProxyFixture.Replacer("__PH__", ProxyFixture.GIT_SECRET); // a substitution after a first fetch
        signer.gate = new CountDownLatch(1);
        px.signer = signer;
        String body = "{\"token\":\"__PH__\",\"again\":\"__PH__\"}";
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            raw.send("POST /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body);
            ProxyFixture.eventually(() -> signer.seenBody.get() != null);
            assertThat(up.getRequestCount()).as("nothing upstream before the signer answers").isZero();
            signer.gate.countDown();
            assertThat(raw.read().status()).isEqualTo(200);
        }
        String expected = body.replace("__PH__", ProxyFixture.GIT_SECRET);
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertThat(req.getBody().utf8()).isEqualTo(expected);
        assertThat(req.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(expected.length()));
        assertThat(signer.seenBody.get()).asString(StandardCharsets.UTF_8).as("the signer saw the client's bytes").isEqualTo(body);
    }

    @Test
    void aBufferedBodyRewriteThatRefusesIsItsProblemAndNothingIsForwarded() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        TestSigner signer = new TestSigner(true);
        signer.rewriter = new BodyRewriter() { // a decoy found in the body the substitution was to run over
            @Override
            public byte[] update(byte[] chunk) {
                throw new BodyRewriter.Refused(new dev.keyway.proxy.spi.ProxyProblem(
                        dev.keyway.core.error.ErrorType.DECOY_CREDENTIAL_USED, "a decoy credential was sent"));
            }

            @Override
            public byte[] finish() {
                return new byte[0];
            }
        };
        px.signer = signer;
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            raw.send("POST /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\nContent-Length: 5\r\n\r\nhello");
            Raw.Response r = raw.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Keyway-Error")).isEqualTo(dev.keyway.core.error.ErrorType.DECOY_CREDENTIAL_USED.slug());
        }
        assertThat(up.getRequestCount()).isZero();
    }
}
