package dev.keyway.core.inject;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request line and headers as plain values: what the {@link Injector} reads and rewrites. The
 * proxy's request type ({@code RequestHead}) carries the same headers plus the target fixed by the
 * tunnel (scheme, host, port), which is never rewritten; {@link Header} is the one header type of
 * both.
 *
 * <p>The proxy must include the client's framing headers ({@code Content-Length}, {@code
 * Transfer-Encoding}) and {@code Upgrade}: the injector reads them to decide whether a body or
 * WebSocket substitution is needed.
 *
 * @param method request method, upper case
 * @param pathAndQuery raw origin-form request target, e.g. {@code /v1/chat?x=1}
 * @param headers headers in wire order, names as received
 */
public record HttpHead(String method, String pathAndQuery, List<Header> headers) {
    public HttpHead {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pathAndQuery, "pathAndQuery");
        headers = List.copyOf(headers);
    }

    /** One header field. {@code toString()} hides the value, which may hold a credential. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        /** The name in lower case, for comparisons (HTTP field names are case-insensitive). */
        public String lowerName() {
            return name.toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return name + ": <" + value.length() + " chars>";
        }
    }

    /** First value of a header (name compared case-insensitively), or null. */
    public @Nullable String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The path, without the query string. */
    public String path() {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    /** The raw query string without {@code ?}, or null when there is none. */
    public @Nullable String query() {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? null : pathAndQuery.substring(q + 1);
    }

    /**
     * {@code toString()} shows the method and sizes only: header values, the query string and, once
     * a placeholder was substituted, the path may hold a credential.
     */
    @Override
    public String toString() {
        return "HttpHead[" + method + ", target of " + pathAndQuery.length() + " chars, " + headers.size() + " headers]";
    }
}
