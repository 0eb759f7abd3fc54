package dev.keyway.proxy.internal;

import org.jspecify.annotations.Nullable;

/**
 * An absolute-form request target ({@code http://host[:port]/path?query}, RFC 9112 §3.2.2) split
 * into the authority the proxy connects to and the origin-form target it forwards.
 */
record AbsoluteUrl(String scheme, Authority authority, String pathAndQuery) {

    /** Parses an {@code http://} or {@code https://} URL; null when malformed or carrying userinfo. */
    static @Nullable AbsoluteUrl parse(String uri) {
        int colon = uri.indexOf("://");
        if (colon <= 0) {
            return null;
        }
        String scheme = uri.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        int defaultPort;
        if (scheme.equals("http")) {
            defaultPort = 80;
        } else if (scheme.equals("https")) {
            defaultPort = 443;
        } else {
            return null;
        }
        int start = colon + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String auth = uri.substring(start, end);
        if (auth.indexOf('@') >= 0) {
            return null;
        }
        Authority a = Authority.parse(auth, defaultPort);
        if (a == null) {
            return null;
        }
        String rest = uri.substring(end);
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        if (rest.isEmpty()) {
            rest = "/";
        } else if (rest.charAt(0) == '?') {
            rest = "/" + rest;
        }
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return null;
            }
        }
        return new AbsoluteUrl(scheme, a, rest);
    }

    static @Nullable AbsoluteUrl parseHttp(String uri) {
        AbsoluteUrl u = parse(uri);
        return u != null && u.scheme.equals("http") ? u : null;
    }
}
