package dev.keyway.proxy.internal;

import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.ProxyHeaders;
import dev.keyway.proxy.spi.RequestHead;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header hygiene at the proxy boundary (RFC 9110 §7.6.1): hop-by-hop fields describe one
 * connection and must not be forwarded, and {@code Proxy-*} fields (notably the client's proxy
 * credentials) must never reach an upstream ({@link ProxyHeaders}, the one definition shared with the
 * injector and the server policy).
 */
public final class HopByHop {
    private static final List<AsciiString> ALWAYS = List.of(HttpHeaderNames.CONNECTION, AsciiString.cached("keep-alive"),
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, HttpHeaderNames.TE);

    /** Netty's HTTP/2 conversion adds these pseudo extension headers; they are never real fields. */
    private static final String HTTP2_EXT_PREFIX = "x-http2-";

    /** Fields only Keyway's own answers may carry. */
    private static final String KEYWAY_PREFIX = "keyway-";

    private HopByHop() {}

    /**
     * Removes hop-by-hop and proxy fields in place. {@code TE: trailers} survives (gRPC needs it);
     * {@code Upgrade} survives only when {@code keepWebSocketUpgrade} (the caller sets Connection).
     *
     * <p>Runs twice per proxied request (request and response head), so it compares names without
     * lower-casing copies and allocates only for what it removes.
     */
    public static void strip(HttpHeaders headers, boolean keepWebSocketUpgrade) {
        List<String> named = connectionTokens(headers);
        String te = headers.get(HttpHeaderNames.TE);
        boolean keepTrailers = te != null && te.toLowerCase(Locale.ROOT).contains("trailers");
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        List<CharSequence> remove = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence n = it.next().getKey();
            if (isAlways(n) || isNamed(n, named) || startsWithIgnoreCase(n, ProxyHeaders.PREFIX)
                    || startsWithIgnoreCase(n, HTTP2_EXT_PREFIX)) {
                if (remove == null) {
                    remove = new ArrayList<>(4);
                }
                remove.add(n);
            }
        }
        if (remove != null) {
            for (CharSequence n : remove) {
                headers.remove(n);
            }
        }
        if (keepTrailers) {
            headers.set(HttpHeaderNames.TE, "trailers");
        }
        if (keepWebSocketUpgrade && upgrade != null) {
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
        }
    }

    /** The field names the Connection fields list, lower case; empty (no allocation) without one. */
    private static List<String> connectionTokens(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return List.of();
        }
        List<String> named = new ArrayList<>(2);
        for (String v : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    named.add(t);
                }
            }
        }
        return named;
    }

    private static boolean isAlways(CharSequence n) {
        for (AsciiString a : ALWAYS) {
            if (a.contentEqualsIgnoreCase(n)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNamed(CharSequence n, List<String> named) {
        for (int i = 0; i < named.size(); i++) {
            if (AsciiString.contentEqualsIgnoreCase(named.get(i), n)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWithIgnoreCase(CharSequence n, String prefix) {
        return AsciiString.regionMatches(n, true, 0, prefix, 0, prefix.length());
    }

    /**
     * Removes every {@code Keyway-*} field from an upstream's response head or trailers, in place.
     * Only Keyway's own answers carry them (e.g. {@code Keyway-Error}): an upstream that sent them
     * could otherwise pass its own error off as a Keyway decision to the agent.
     */
    public static void stripKeyway(HttpHeaders headers) {
        List<CharSequence> remove = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence n = it.next().getKey();
            if (startsWithIgnoreCase(n, KEYWAY_PREFIX)) {
                if (remove == null) {
                    remove = new ArrayList<>(2);
                }
                remove.add(n);
            }
        }
        if (remove != null) {
            for (CharSequence n : remove) {
                headers.remove(n);
            }
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
