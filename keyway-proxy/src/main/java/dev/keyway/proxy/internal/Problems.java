package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.ProblemBody;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders the responses the proxy itself generates: RFC 9457 problem documents with the
 * {@code Keyway-Error} header, so an agent can tell a Keyway decision from an upstream's own error.
 * Only the problem's type, fixed title, user-facing detail and extras are rendered: never a stack
 * trace or exception message from elsewhere.
 */
public final class Problems {
    /** Header naming the problem slug on every proxy-generated error. */
    public static final String KEYWAY_ERROR = "Keyway-Error";

    /** Problem extra (seconds) that a 429 also carries as its {@code Retry-After} header. */
    public static final String RETRY_AFTER = "retry_after";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {}

    public static ProxyProblem of(ErrorType type, String detail) {
        return new ProxyProblem(type, detail);
    }

    /** The problem JSON body: the {@link ProblemBody} the control-plane API sends too. */
    public static byte[] body(ProxyProblem problem, String requestId) {
        return JSON.writeValueAsBytes(new ProblemBody(problem.type(), problem.detail(), problem.extras(), requestId).members());
    }

    /**
     * A complete response for the problem. {@code keepAlive=false} adds {@code Connection: close}
     * (the caller closes after flushing). 407s carry {@code Proxy-Authenticate}.
     */
    public static FullHttpResponse response(
            ProxyProblem problem, String requestId, boolean keepAlive, ByteBufAllocator alloc) {
        return response(problem, requestId, keepAlive, alloc, null);
    }

    /**
     * As {@link #response(ProxyProblem, String, boolean, ByteBufAllocator)} with a reason phrase in the
     * status line instead of the standard one (a 407's hint: clients show the CONNECT status line, not
     * its body). A phrase that is not printable ASCII is ignored (the standard one is used).
     */
    public static FullHttpResponse response(ProxyProblem problem, String requestId, boolean keepAlive,
            ByteBufAllocator alloc, @Nullable String reasonPhrase) {
        byte[] bytes = body(problem, requestId);
        ByteBuf content = alloc.buffer(bytes.length).writeBytes(bytes);
        HttpResponseStatus status = reasonPhrase != null && printableAscii(reasonPhrase)
                ? new HttpResponseStatus(problem.status(), reasonPhrase)
                : HttpResponseStatus.valueOf(problem.status());
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
                .set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(KEYWAY_ERROR, problem.type().slug());
        if (problem.status() == 407) {
            r.headers().set(HttpHeaderNames.PROXY_AUTHENTICATE, "Basic realm=\"keyway\"");
        }
        if (problem.status() == 429 && problem.extras().get(RETRY_AFTER) instanceof Number n) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, n.longValue());
        }
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /** Whether {@code s} can be a reason phrase: 1 to 200 printable ASCII characters (no CR, LF or controls). */
    static boolean printableAscii(String s) {
        if (s.isEmpty() || s.length() > 200) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
