package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestSigner;
import dev.keyway.proxy.spi.RequestHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One forwarded request and its response. Lifecycle: the (possibly injected) head is prepared; the
 * durable audit decision (when a credential was injected) and the upstream connection are obtained
 * in parallel; only when both are ready is anything written upstream. The request body streams to
 * the upstream as it arrives (rewritten when the policy asks), the response streams back with every
 * chunk flushed, and each side stops reading while the other is not writable.
 *
 * <p>Runs entirely on the client channel's event loop (upstream channels share it).
 */
final class Exchange implements UpstreamListener {
    private static final AttributeKey<Boolean> CLAIMED = AttributeKey.valueOf(Exchange.class, "claimed");
    /** Methods whose replay after a lost connection cannot change the outcome (RFC 9110 §9.2.2). */
    private static final java.util.Set<String> IDEMPOTENT = java.util.Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

    private final ExchangeHandler owner;
    private final ChannelHandlerContext ctx;
    private final ProxyContext px;
    private final Target target;
    private final RequestDecision.Forward fwd;
    private final String requestId;
    private final AuditEvents.Base audit;
    private final long startNanos = System.nanoTime();
    private final boolean clientKeepAlive;
    private final boolean headMethod;
    private final boolean hasBody;
    private final HttpRequest upstreamHead;
    private @Nullable BodyRewriter rewriter;
    private final boolean bufferForLength;
    /** Signs the request over what is written upstream (AWS sign mode), or null. */
    private final @Nullable RequestSigner signer;
    /** The signer needs the whole body: it is buffered raw, then signed, then sent with its length. */
    private final boolean signBuffer;
    /** The signature is in place (always true without a signer). */
    private boolean signed;
    private final long contentLength;
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
    private @Nullable ByteBuf buffered;

    private @Nullable Channel upstream;
    private UpstreamPool.@Nullable Key poolKey;
    private boolean upstreamIsStream;
    private boolean auditReady;
    /** Response data was written to the client but not flushed yet (see {@link #writeClient}). */
    private boolean clientFlushPending;
    private boolean headSent;
    private boolean requestDone;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean skipInterimLast;
    private boolean upstreamKeepAlive;
    private boolean finished;
    /** The upstream connection came from the pool (it may have been closed by the upstream while idle). */
    private boolean reused;
    /** The one retry on a fresh connection was used. */
    private boolean retried;
    /** The request head was written at least once (a replay writes a copy). */
    private boolean headWritten;
    /** Any response byte arrived on the current upstream connection. */
    private boolean responseBytes;
    private int status;
    private long bytesIn;
    private long bytesOut;
    private @Nullable ScheduledFuture<?> responseTimer;

    Exchange(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, HttpRequest req,
            RequestDecision.Forward fwd, String requestId, boolean clientKeepAlive) {
        this.owner = owner;
        this.ctx = ctx;
        this.px = owner.px;
        this.target = target;
        this.fwd = fwd;
        this.requestId = requestId;
        this.clientKeepAlive = clientKeepAlive;
        RequestHead head = fwd.head();
        this.headMethod = "HEAD".equalsIgnoreCase(head.method());
        boolean full = req instanceof LastHttpContent;
        this.hasBody = !full && (HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0);
        this.requestDone = full;
        long contentLength = HttpUtil.getContentLength(req, -1L);
        this.contentLength = contentLength;
        RequestSigner sg = fwd.signer();
        this.signer = sg;
        this.signed = sg == null;
        this.signBuffer = sg != null && hasBody && sg.needsBody();

        HttpHeaders h = new DefaultHttpHeaders();
        HopByHop.copyInto(head.headers(), h);
        HopByHop.strip(h, false);
        h.set(HttpHeaderNames.HOST, target.authority().hostHeader(target.defaultPort()));
        h.remove(HttpHeaderNames.EXPECT);
        BodyRewriter rw = fwd.body();
        boolean buffer = false;
        if (hasBody) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (signBuffer) {
                buffer = true; // Content-Length is set once the whole body is known and signed
            } else if (rw != null && contentLength >= 0 && contentLength <= px.config.maxBufferedBody()) {
                buffer = true; // Content-Length is set once the rewritten body is known
            } else if (rw == null && contentLength >= 0) {
                h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else {
            rw = null;
        }
        this.rewriter = rw;
        this.bufferForLength = buffer;
        HttpMethod method = HttpMethod.valueOf(head.method());
        this.upstreamHead = hasBody
                ? new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, head.pathAndQuery(), h)
                : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, head.pathAndQuery(), Unpooled.EMPTY_BUFFER, h,
                        new DefaultHttpHeaders());
        TunnelSession s = owner.session;
        this.audit = new AuditEvents.Base("request", requestId, target.principal(), target.client(), head.method(),
                target.host(), target.port(), head.pathAndQuery(), fwd.service(), fwd.credentials(),
                s == null ? null : s.mode);
    }

    boolean wantsRequestBody() {
        return !finished && !requestDone;
    }

    void start() {
        setClientRead(bufferForLength);
        if (signBuffer && contentLength > px.config.maxBufferedBody()) {
            fail(Problems.of(ErrorType.PAYLOAD_TOO_LARGE, "this request must be signed over its body, which is larger than "
                    + px.config.maxBufferedBody() + " bytes; send x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) or a smaller body"));
            return;
        }
        if (signer != null && !signBuffer) {
            requestSignature(signer.needsBody() ? new byte[0] : null);
        }
        if (fwd.injected()) {
            EventLoop loop = ctx.channel().eventLoop();
            if (!DecisionGate.await(px, audit, loop, () -> {
                auditReady = true;
                maybeSend();
            }, this::fail)) {
                return;
            }
        } else {
            auditReady = true;
        }
        acquire();
    }

    // ---------------------------------------------------------------- upstream acquisition

    private void acquire() {
        if (finished) {
            return;
        }
        EventLoop loop = ctx.channel().eventLoop();
        TunnelSession s = owner.session;
        boolean offerH2 = target.tls() && owner.h2Stream && s != null && !s.upstreamH1Only;
        if (offerH2) {
            Future<UpstreamConnector.UpstreamConn> shared = s.h2Upstream;
            if (shared == null || (shared.isDone() && (!shared.isSuccess() || !shared.getNow().channel().isActive()))) {
                shared = px.connector.connectHttp(loop, new UpstreamPool.Key(true, target.host(), target.port(), true));
                s.h2Upstream = shared;
            }
            Future<UpstreamConnector.UpstreamConn> f = shared;
            f.addListener(x -> onSharedConnection(f));
            return;
        }
        UpstreamPool.Key key = new UpstreamPool.Key(target.tls(), target.host(), target.port(), false);
        Channel pooled = px.pool.acquire(loop, key);
        if (pooled != null) {
            reused = true;
            attach(pooled, key, false);
            return;
        }
        px.connector.connectHttp(loop, key).addListener((Future<UpstreamConnector.UpstreamConn> f) -> {
            if (f.isSuccess()) {
                attach(f.getNow().channel(), key, false);
            } else {
                fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
            }
        });
    }

    private void onSharedConnection(Future<UpstreamConnector.UpstreamConn> f) {
        TunnelSession s = owner.session;
        if (finished || s == null) {
            return;
        }
        if (!f.isSuccess()) {
            if (s.h2Upstream == f) {
                s.h2Upstream = null;
            }
            fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
            return;
        }
        UpstreamConnector.UpstreamConn conn = f.getNow();
        if (!conn.h2()) {
            s.upstreamH1Only = true;
            if (s.h2Upstream == f) {
                s.h2Upstream = null;
            }
            if (conn.channel().attr(CLAIMED).setIfAbsent(Boolean.TRUE) == null) {
                attach(conn.channel(), new UpstreamPool.Key(true, target.host(), target.port(), false), false);
            } else {
                acquire();
            }
            return;
        }
        new Http2StreamChannelBootstrap(conn.channel())
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(false));
                        ch.pipeline().addLast("upstream", new UpstreamHandler());
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> sf) -> {
                    if (sf.isSuccess()) {
                        attach(sf.getNow(), null, true);
                    } else {
                        fail(Problems.of(ErrorType.UPSTREAM_UNREACHABLE,
                                "could not open an HTTP/2 stream to " + target.authority()));
                    }
                });
    }

    private void attach(Channel ch, UpstreamPool.@Nullable Key key, boolean stream) {
        if (finished || !ctx.channel().isActive()) {
            if (!stream && key != null && ch.isActive()) {
                px.pool.release(key, ch);
            } else {
                ch.close();
            }
            return;
        }
        upstream = ch;
        poolKey = key;
        upstreamIsStream = stream;
        UpstreamHandler uh = ch.pipeline().get(UpstreamHandler.class);
        if (uh == null) {
            ch.close();
            fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, "the upstream connection is unusable"));
            return;
        }
        uh.listener(this);
        ch.config().setAutoRead(false);
        maybeSend();
    }

    // ---------------------------------------------------------------- request direction

    private void maybeSend() {
        Channel up = upstream;
        if (headSent || finished || up == null || !auditReady || !signed) {
            return;
        }
        if (bufferForLength && !requestDone) {
            setClientRead(true);
            return;
        }
        headSent = true;
        if (bufferForLength) {
            ByteBuf body = buffered == null ? Unpooled.EMPTY_BUFFER : buffered;
            // keep the body while a stale pooled connection may force one replay
            boolean keep = reused && !retried && IDEMPOTENT.contains(upstreamHead.method().name());
            buffered = keep ? body : null;
            upstreamHead.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(upstreamHead, body.readableBytes());
            writeUp(headToWrite());
            writeUp(new DefaultLastHttpContent(keep ? body.retainedDuplicate() : body));
        } else {
            writeUp(headToWrite());
            HttpContent c;
            while ((c = pending.poll()) != null) {
                writeUp(c);
            }
        }
        up.flush();
        up.config().setAutoRead(true);
        updateClientRead();
    }

    /** The head as first written, or a copy when it is replayed (the encoder may consume what it wrote). */
    private HttpRequest headToWrite() {
        if (!headWritten) {
            headWritten = true;
            return upstreamHead;
        }
        if (upstreamHead instanceof DefaultFullHttpRequest full) {
            return full.replace(Unpooled.EMPTY_BUFFER);
        }
        return new DefaultHttpRequest(upstreamHead.protocolVersion(), upstreamHead.method(), upstreamHead.uri(),
                upstreamHead.headers().copy());
    }

    private void writeUp(Object msg) {
        Channel up = upstream;
        if (up == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof LastHttpContent || msg instanceof DefaultFullHttpRequest) {
            requestSent = true;
            startResponseTimer();
        }
        up.write(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && f.channel() == upstream) { // not a connection given up for a retry
                upstreamError(f.cause());
            }
        });
    }

    void clientContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        int n = c.content().readableBytes();
        bytesIn += n;
        if (last) {
            requestDone = true;
        }
        if (!hasBody) {
            c.release();
            maybeSend();
            return;
        }
        if (signBuffer) {
            bufferForSigning(c, n, last);
            return;
        }
        HttpContent out = c;
        BodyRewriter rw = rewriter;
        if (rw != null) {
            byte[] in = ByteBufUtil.getBytes(c.content());
            HttpHeaders trailers = last ? ((LastHttpContent) c).trailingHeaders().copy() : null;
            c.release();
            byte[] r;
            try {
                r = rw.update(in);
                if (last) {
                    byte[] tail = rw.finish();
                    r = concat(r, tail);
                }
            } catch (RuntimeException e) {
                fail(Problems.of(ErrorType.INTERNAL, "the request body could not be rewritten"));
                return;
            }
            if (bufferForLength) {
                if (buffered == null) {
                    buffered = ctx.alloc().buffer(Math.max(r.length, 256));
                }
                buffered.writeBytes(r);
                if (last) {
                    maybeSend();
                }
                return;
            }
            if (!last && r.length == 0) {
                updateClientRead();
                return;
            }
            ByteBuf b = ctx.alloc().buffer(r.length).writeBytes(r);
            if (last) {
                LastHttpContent lc = new DefaultLastHttpContent(b);
                if (trailers != null) {
                    lc.trailingHeaders().set(trailers);
                }
                out = lc;
            } else {
                out = new DefaultHttpContent(b);
            }
        }
        if (headSent) {
            writeUp(out);
            Channel up = upstream;
            if (up != null) {
                up.flush();
            }
        } else {
            pending.add(out);
        }
        updateClientRead();
    }

    // ---------------------------------------------------------------- signing (RequestSigner)

    private void bufferForSigning(HttpContent c, int n, boolean last) {
        int max = px.config.maxBufferedBody();
        if (buffered == null) {
            buffered = ctx.alloc().buffer(Math.max(256, (int) Math.min(max, Math.max(0, contentLength))));
        }
        if (buffered.readableBytes() + (long) n > max) {
            c.release();
            fail(Problems.of(ErrorType.PAYLOAD_TOO_LARGE, "this request must be signed over its body, which is larger than "
                    + max + " bytes; send x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) or a smaller body"));
            return;
        }
        buffered.writeBytes(c.content());
        c.release();
        if (last) {
            upstreamHead.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(upstreamHead, buffered.readableBytes());
            requestSignature(ByteBufUtil.getBytes(buffered));
        }
    }

    /** Asks the signer for the final headers; nothing is written upstream until it answers. */
    private void requestSignature(byte @Nullable [] body) {
        RequestSigner sg = signer;
        if (sg == null) {
            return;
        }
        RequestHead sh = new RequestHead(target.scheme(), target.host(), target.port(), upstreamHead.method().name(),
                upstreamHead.uri(), HopByHop.toHeaderList(upstreamHead.headers()));
        EventLoop loop = ctx.channel().eventLoop();
        try {
            sg.sign(sh, body).whenComplete((r, err) -> loop.execute(() -> onSigned(r, err)));
        } catch (RuntimeException e) {
            onSigned(null, e);
        }
    }

    private void onSigned(RequestSigner.@Nullable Signed r, @Nullable Throwable err) {
        if (finished) {
            return;
        }
        if (err != null || r == null) {
            Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
            fail(cause instanceof RequestSigner.Refused refused ? refused.problem()
                    : Problems.of(ErrorType.CREDENTIAL_UNAVAILABLE, "the request could not be signed"));
            return;
        }
        HttpHeaders h = upstreamHead.headers();
        h.clear();
        for (RequestHead.Header header : r.headers()) {
            h.add(header.name(), header.value());
        }
        if (r.body() != null && !signBuffer && hasBody) {
            rewriter = r.body();
            if (!rewritePending()) {
                return;
            }
        }
        signed = true;
        maybeSend();
    }

    /** Runs body parts that arrived before the signer answered through its (length-preserving) rewriter. */
    private boolean rewritePending() {
        BodyRewriter rw = rewriter;
        if (rw == null || pending.isEmpty()) {
            return true;
        }
        ArrayDeque<HttpContent> raw = new ArrayDeque<>(pending);
        pending.clear();
        try {
            HttpContent c;
            while ((c = raw.poll()) != null) {
                boolean last = c instanceof LastHttpContent;
                byte[] in = ByteBufUtil.getBytes(c.content());
                c.release();
                byte[] out = rw.update(in);
                if (last) {
                    out = concat(out, rw.finish());
                }
                ByteBuf b = ctx.alloc().buffer(Math.max(1, out.length)).writeBytes(out);
                pending.add(last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b));
            }
            return true;
        } catch (RuntimeException e) {
            raw.forEach(HttpContent::release);
            fail(Problems.of(ErrorType.MALFORMED_REQUEST, "the request body could not be re-signed: " + e.getMessage()));
            return false;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (b.length == 0) {
            return a;
        }
        if (a.length == 0) {
            return b;
        }
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private void updateClientRead() {
        if (finished) {
            return;
        }
        Channel up = upstream;
        boolean want = !requestDone && (headSent ? up != null && up.isWritable() : bufferForLength);
        setClientRead(want);
    }

    private void setClientRead(boolean on) {
        ctx.channel().config().setAutoRead(on);
    }

    @Override
    public void upstreamWritabilityChanged(boolean writable) {
        updateClientRead();
    }

    // ---------------------------------------------------------------- response direction

    private void startResponseTimer() {
        if (responseTimer != null || responseStarted) {
            return;
        }
        long ms = px.config.upstreamResponseTimeout().toMillis();
        responseTimer = ctx.executor().schedule(() -> {
            if (!responseStarted && !finished) {
                fail(Problems.of(ErrorType.UPSTREAM_TIMEOUT, target.authority() + " did not respond within "
                        + px.config.upstreamResponseTimeout().toSeconds() + " s"));
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    @Override
    public void upstreamRead(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        responseBytes = true;
        if (msg instanceof HttpResponse r) {
            onResponseHead(r);
            return;
        }
        if (msg instanceof HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            if (skipInterimLast) {
                c.release();
                skipInterimLast = !last;
                return;
            }
            if (!responseStarted) {
                c.release();
                fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + " sent an invalid response"));
                return;
            }
            bytesOut += c.content().readableBytes();
            writeClient(c, last);
            if (last) {
                responseComplete();
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void onResponseHead(HttpResponse r) {
        int code = r.status().code();
        if (r.decoderResult().isFailure() || code == 101 || code < 100) {
            ReferenceCountUtil.release(r);
            fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + " sent an invalid response"));
            return;
        }
        if (code < 200) {
            skipInterimLast = !(r instanceof LastHttpContent);
            ReferenceCountUtil.release(r);
            return; // interim (100, 103): the client's own Expect was answered by the proxy
        }
        cancelTimer();
        if (buffered != null && headSent) {
            buffered.release(); // kept for a replay that is no longer possible
            buffered = null;
        }
        status = code;
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        HttpHeaders h = r.headers().copy();
        HopByHop.strip(h, false);
        boolean bodyless = headMethod || code == 204 || code == 304;
        boolean h1Client = !owner.h2Stream;
        HttpResponse out;
        boolean full = r instanceof FullHttpResponse;
        if (full) {
            FullHttpResponse fr = (FullHttpResponse) r;
            if (h1Client && !bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, fr.content().readableBytes());
            }
            bytesOut += fr.content().readableBytes();
            out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), fr.content(), h,
                    fr.trailingHeaders().copy());
        } else {
            if (h1Client && !bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), h);
        }
        if (h1Client && !clientKeepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        responseStarted = true;
        writeClient(out, full);
        if (full) {
            responseComplete();
        }
    }

    /**
     * Relays to the client. The end of a response is flushed at once; anything else is flushed when
     * the upstream read that produced it completes ({@link #upstreamReadComplete}), so a small
     * response (head + body in one read) costs one flush, while streams (SSE) are still flushed as
     * each upstream read arrives.
     */
    private void writeClient(Object msg, boolean flush) {
        if (flush) {
            clientFlushPending = false;
            ctx.writeAndFlush(msg);
        } else {
            clientFlushPending = true;
            ctx.write(msg);
        }
        Channel up = upstream;
        if (up != null && !ctx.channel().isWritable()) {
            up.config().setAutoRead(false);
        }
    }

    @Override
    public void upstreamReadComplete() {
        flushClient();
    }

    private void flushClient() {
        if (clientFlushPending) {
            clientFlushPending = false;
            ctx.flush();
        }
    }

    void clientWritabilityChanged(boolean writable) {
        Channel up = upstream;
        if (up != null && responseStarted && !finished) {
            up.config().setAutoRead(writable);
        }
    }

    private void responseComplete() {
        finished = true;
        cancelTimer();
        px.audit.completed(audit.with("request", status, bytesIn, bytesOut, AuditEvents.millisSince(startNanos), null));
        count();
        boolean clientDone = requestDone;
        releaseUpstream(requestSent && upstreamKeepAlive);
        cleanup();
        owner.exchangeDone(this, !clientDone || !clientKeepAlive);
    }

    private void count() {
        TunnelSession s = owner.session;
        if (s != null) {
            s.bytesIn += bytesIn;
            s.bytesOut += bytesOut;
        }
    }

    private void releaseUpstream(boolean reusable) {
        Channel up = upstream;
        if (up == null) {
            return;
        }
        upstream = null;
        UpstreamHandler uh = up.pipeline().get(UpstreamHandler.class);
        if (uh != null) {
            uh.listener(null);
        }
        UpstreamPool.Key key = poolKey;
        if (!upstreamIsStream && reusable && key != null && up.isActive()) {
            px.pool.release(key, up);
        } else {
            up.close();
        }
    }

    private void cleanup() {
        HttpContent c;
        while ((c = pending.poll()) != null) {
            c.release();
        }
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }

    // ---------------------------------------------------------------- failures

    void fail(ProxyProblem p) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        cleanup();
        releaseUpstream(!headSent && !upstreamIsStream);
        if (!responseStarted) {
            px.audit.completed(AuditEvents.denied(requestId, target.principal(), target.client(), audit.method(),
                    target.host(), target.port(), audit.pathAndQuery(), fwd.service(), p.status(), p.type().slug()));
            boolean keep = clientKeepAlive && requestDone;
            owner.answer(ctx, p, requestId, keep, requestDone);
            owner.exchangeDone(this, false);
            if (!keep && !owner.h2Stream) {
                setClientRead(!requestDone); // keep draining an unfinished upload until the delayed close
            } else if (!owner.h2Stream) {
                setClientRead(true);
            }
        } else {
            flushClient();
            px.audit.completed(audit.with("request", status, bytesIn, bytesOut, AuditEvents.millisSince(startNanos),
                    p.type().slug()));
            count();
            owner.exchangeDone(this, true);
        }
    }

    void clientClosed() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        cleanup();
        releaseUpstream(false);
        px.audit.completed(audit.with("request", status, bytesIn, bytesOut, AuditEvents.millisSince(startNanos), null));
        count();
    }

    @Override
    public void upstreamInactive() {
        upstreamLost(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR,
                target.authority() + " closed the connection before the response was complete"));
    }

    @Override
    public void upstreamError(Throwable cause) {
        String what = cause instanceof DecoderException ? " sent an invalid response" : " connection failed";
        upstreamLost(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + what));
    }

    /** The upstream connection failed: replay once on a fresh connection when that is safe, else fail. */
    private void upstreamLost(ProxyProblem p) {
        if (finished) {
            return;
        }
        if (canReplay()) {
            replay();
        } else {
            fail(p);
        }
    }

    /**
     * A pooled keep-alive connection may have been closed by the upstream while it sat idle; the
     * request then fails before any response byte. Replaying it once is safe when nothing was sent
     * yet, or when the method is idempotent and the whole request can be written again (no body, or
     * a body that was buffered whole). A streamed body is gone once sent: that request fails (502).
     */
    private boolean canReplay() {
        if (!reused || retried || responseBytes || upstreamIsStream || poolKey == null) {
            return false;
        }
        if (!headSent) {
            return true;
        }
        return IDEMPOTENT.contains(upstreamHead.method().name()) && (!hasBody || (bufferForLength && buffered != null));
    }

    private void replay() {
        retried = true;
        reused = false;
        Channel old = upstream;
        upstream = null;
        if (old != null) {
            UpstreamHandler uh = old.pipeline().get(UpstreamHandler.class);
            if (uh != null) {
                uh.listener(null);
            }
            old.close();
        }
        cancelTimer();
        headSent = false;
        requestSent = false;
        skipInterimLast = false;
        responseBytes = false;
        updateClientRead();
        UpstreamPool.Key key = poolKey;
        px.connector.connectHttp(ctx.channel().eventLoop(), key).addListener((Future<UpstreamConnector.UpstreamConn> f) -> {
            if (f.isSuccess()) {
                attach(f.getNow().channel(), key, false);
            } else {
                fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
            }
        });
    }
}
