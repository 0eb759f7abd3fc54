package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's health sentinel, for supervisors and {@code keyway doctor}-style checks that can only
 * speak proxy protocol: an absolute-form {@code GET http://healthz.keyway.invalid/healthz} (with or
 * without proxy credentials) is answered {@code 200 {"status":"ok"}} by the proxy itself. The
 * {@code .invalid} name (RFC 6761) can never be a real upstream, so nothing is resolved, forwarded
 * or audited. Other paths or methods on that host get a 404 problem, also locally. Only plain-http
 * absolute form is recognised, not the host inside a CONNECT tunnel.
 */
public final class HealthCheck {
    /** The sentinel host. */
    public static final String HOST = "healthz.keyway.invalid";
    /** The sentinel path. */
    public static final String PATH = "/healthz";

    private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

    private HealthCheck() {}

    static boolean isSentinel(AbsoluteUrl url) {
        return url.authority().host().equals(HOST);
    }

    /** The local answer for a request to the sentinel host. */
    static FullHttpResponse response(HttpRequest req, AbsoluteUrl url, String requestId, boolean keepAlive,
            ByteBufAllocator alloc) {
        boolean get = HttpMethod.GET.equals(req.method());
        boolean head = HttpMethod.HEAD.equals(req.method());
        String path = url.pathAndQuery();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (!(get || head) || !path.equals(PATH)) {
            return Problems.response(Problems.of(ErrorType.NOT_FOUND,
                    "the proxy's health check is GET http://" + HOST + PATH), requestId, keepAlive, alloc);
        }
        ByteBuf body = head ? alloc.buffer(0) : alloc.buffer(OK.length).writeBytes(OK);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, OK.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }
}
