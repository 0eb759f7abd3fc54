package dev.keyway.proxy.internal;

import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.ProxyHeaders;
import dev.keyway.proxy.spi.RequestHead;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header hygiene at the proxy boundary (RFC 9110 §7.6.1): hop-by-hop fields describe one
 * connection and must not be forwarded, and {@code Proxy-*} fields (notably the client's proxy
 * credentials) must never reach an upstream ({@link ProxyHeaders}, the one definition shared with the
 * injector and the server policy).
 */
public final class HopByHop {
    private static final Set<String> ALWAYS = Set.of(
            "connection", "keep-alive", "transfer-encoding", "upgrade", "te");

    /** Netty's HTTP/2 conversion adds these pseudo extension headers; they are never real fields. */
    private static final String HTTP2_EXT_PREFIX = "x-http2-";

    /** Fields only Keyway's own answers may carry. */
    private static final String KEYWAY_PREFIX = "keyway-";

    private HopByHop() {}

    /**
     * Removes hop-by-hop and proxy fields in place. {@code TE: trailers} survives (gRPC needs it);
     * {@code Upgrade} survives only when {@code keepWebSocketUpgrade} (the caller sets Connection).
     */
    public static void strip(HttpHeaders headers, boolean keepWebSocketUpgrade) {
        Set<String> named = new HashSet<>();
        for (String v : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    named.add(t);
                }
            }
        }
        String te = headers.get(HttpHeaderNames.TE);
        boolean keepTrailers = te != null && te.toLowerCase(Locale.ROOT).contains("trailers");
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        List<String> remove = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            String n = e.getKey().toLowerCase(Locale.ROOT);
            if (ALWAYS.contains(n) || named.contains(n) || ProxyHeaders.isProxyHeader(n) || n.startsWith(HTTP2_EXT_PREFIX)) {
                remove.add(n);
            }
        }
        for (String n : remove) {
            headers.remove(n);
        }
        if (keepTrailers) {
            headers.set(HttpHeaderNames.TE, "trailers");
        }
        if (keepWebSocketUpgrade && upgrade != null) {
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
        }
    }

    /**
     * Removes every {@code Keyway-*} field from an upstream's response head or trailers, in place.
     * Only Keyway's own answers carry them (e.g. {@code Keyway-Error}): an upstream that sent them
     * could otherwise pass its own error off as a Keyway decision to the agent.
     */
    public static void stripKeyway(HttpHeaders headers) {
        List<String> remove = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().regionMatches(true, 0, KEYWAY_PREFIX, 0, KEYWAY_PREFIX.length())) {
                remove.add(e.getKey());
            }
        }
        for (String n : remove) {
            headers.remove(n);
        }
    }

    /** The request headers as the policy sees them: wire order, without Netty's HTTP/2 extension fields. */
    public static List<HttpHead.Header> toHeaderList(HttpHeaders headers) {
        List<HttpHead.Header> out = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> e : headers) {
            if (!e.getKey().regionMatches(true, 0, HTTP2_EXT_PREFIX, 0, HTTP2_EXT_PREFIX.length())) {
                out.add(new HttpHead.Header(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /** Replaces {@code target}'s fields with the head's. */
    public static void copyInto(List<HttpHead.Header> headers, HttpHeaders target) {
        target.clear();
        for (HttpHead.Header h : headers) {
            target.add(h.name(), h.value());
        }
    }
}
