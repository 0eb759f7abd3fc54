package dev.keyway.cli.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Routes the JVM's http and https traffic to the Keyway proxy except for the {@code NO_PROXY}
 * hosts, with the same rules curl uses. The JDK's own selector cannot do this: whenever
 * {@code http.nonProxyHosts} is set it also bypasses {@code localhost} and {@code 127.*}, so a
 * service bound to a local gateway would be reached directly, without its credential. Other
 * schemes (SOCKS sockets, ftp) go to the selector that was installed before.
 */
final class KeywayProxySelector extends ProxySelector {
    private final Proxy proxy;
    private final List<String> noProxy;
    private final @Nullable ProxySelector previous;

    KeywayProxySelector(ProxyCredentials c, List<String> noProxy, @Nullable ProxySelector previous) {
        this.proxy = new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(c.host, c.port));
        this.noProxy = noProxy;
        this.previous = previous;
    }

    static List<String> noProxyFrom(Map<String, String> env) {
        String v = env.get("NO_PROXY");
        if (v == null) {
            v = env.get("no_proxy");
        }
        List<String> out = new ArrayList<String>();
        if (v != null) {
            for (String e : v.split(",")) {
                String s = e.trim().toLowerCase(Locale.ROOT);
                if (s.startsWith("[") && s.endsWith("]")) {
                    s = s.substring(1, s.length() - 1);
                }
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    @Override
    public List<Proxy> select(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean web = scheme.equals("http") || scheme.equals("https") || scheme.equals("ws") || scheme.equals("wss");
        if (!web) {
            return previous != null ? previous.select(uri) : Collections.singletonList(Proxy.NO_PROXY);
        }
        String host = uri.getHost();
        if (host == null) {
            return Collections.singletonList(proxy);
        }
        return Collections.singletonList(bypass(host, noProxy) ? Proxy.NO_PROXY : proxy);
    }

    /** curl's NO_PROXY rules: {@code *} is everything; an entry covers itself and its subdomains; a leading dot or {@code *.} is ignored. */
    static boolean bypass(String host, List<String> noProxy) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        for (String e : noProxy) {
            if (e.equals("*")) {
                return true;
            }
            String d = e.startsWith("*.") ? e.substring(2) : e.startsWith(".") ? e.substring(1) : e;
            if (h.equals(d) || h.endsWith("." + d)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        if (previous != null) {
            previous.connectFailed(uri, sa, ioe);
        }
    }
}
