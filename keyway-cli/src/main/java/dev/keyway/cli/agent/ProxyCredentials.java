package dev.keyway.cli.agent;

import java.net.URI;
import java.net.URLDecoder;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's host, port and Basic credentials (token as user, vault as password), parsed from
 * {@code HTTPS_PROXY} (then {@code https_proxy}, {@code HTTP_PROXY}, {@code http_proxy}) as
 * {@code http://TOKEN:VAULT@HOST:PORT}. {@link #toString()} never shows the token.
 */
final class ProxyCredentials {
    final String host;
    final int port;
    final String user;
    final char[] password;

    ProxyCredentials(String host, int port, String user, char[] password) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    static @Nullable ProxyCredentials fromEnvironment(Map<String, String> env) {
        for (String name : new String[] {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"}) {
            String v = env.get(name);
            if (v != null && !v.trim().isEmpty()) {
                return parse(v.trim());
            }
        }
        return null;
    }

    static @Nullable ProxyCredentials parse(String url) {
        try {
            URI u = URI.create(url.contains("://") ? url : "http://" + url);
            String info = u.getRawUserInfo();
            if (info == null || u.getHost() == null) {
                return null;
            }
            int colon = info.indexOf(':');
            String user = decode(colon < 0 ? info : info.substring(0, colon));
            String pass = colon < 0 ? "" : decode(info.substring(colon + 1));
            int port = u.getPort() > 0 ? u.getPort() : 80;
            String host = u.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new ProxyCredentials(host, port, user, pass.toCharArray());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), "UTF-8");
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ProxyCredentials[" + host + ":" + port + "]";
    }
}
