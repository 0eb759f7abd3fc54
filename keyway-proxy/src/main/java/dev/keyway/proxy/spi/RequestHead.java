package dev.keyway.proxy.spi;

import dev.keyway.core.inject.HttpHead;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP request line plus headers, as a plain immutable value.
 *
 * @param scheme {@code https} (inside an intercepted tunnel) or {@code http} (absolute-form)
 * @param host the target host fixed by CONNECT or the absolute URL, lower case, no brackets
 * @param port the target port
 * @param method request method, upper case
 * @param pathAndQuery raw origin-form target, e.g. {@code /v1/chat?x=1}
 * @param headers request headers in wire order; names as received ({@link HttpHead.Header}, the one
 *     header type of the proxy and the injector)
 */
public record RequestHead(
        String scheme, String host, int port, String method, String pathAndQuery, List<HttpHead.Header> headers) {

    public RequestHead {
        headers = List.copyOf(headers);
    }

    /** First value of the header (case-insensitive name), or null. */
    public @Nullable String header(String name) {
        for (HttpHead.Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The path without the query string. */
    public String path() {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    /**
     * Shows the method, scheme, host and port, and only the sizes of the rest: header values, the
     * query string and (after substitution) the path may hold a credential, and a log line must
     * never print one.
     */
    @Override
    public String toString() {
        return "RequestHead[" + method + " " + scheme + "://" + host + ":" + port + ", target of "
                + pathAndQuery.length() + " chars, " + headers.size() + " headers]";
    }

    /** The head as the injector sees it (the target's scheme, host and port are fixed and left out). */
    public HttpHead http() {
        return new HttpHead(method, pathAndQuery, headers);
    }

    /** This head with the injector's rewrite of its request line and headers (the target stays). */
    public RequestHead with(HttpHead rewritten) {
        return new RequestHead(scheme, host, port, rewritten.method(), rewritten.pathAndQuery(), rewritten.headers());
    }
}
