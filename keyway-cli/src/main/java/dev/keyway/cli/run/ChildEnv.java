package dev.keyway.cli.run;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the wrapped program's environment (a pure function). First every inherited
 * {@code KEYWAY_*}, {@code *_PROXY}/{@code *_proxy} and CA variable is dropped, whatever its case,
 * so no stale value from an outer shell or an earlier run survives (getenv returns the first match,
 * so a stale twin would win); then Keyway's variables are set. See {@code docs/run.md} for the table
 * of variables and the client stacks that read them.
 */
public final class ChildEnv {
    /** Variables that point at the CA bundle (system roots + Keyway CA). */
    public static final List<String> BUNDLE_VARIABLES = List.of("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
            "GIT_SSL_CAINFO", "AWS_CA_BUNDLE", "PIP_CERT", "CARGO_HTTP_CAINFO", "DENO_CERT", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH");
    /** Node adds these certificates to its built-in roots, so it gets the Keyway CA alone. */
    public static final String NODE_EXTRA_CA_CERTS = "NODE_EXTRA_CA_CERTS";
    /** Other trust variables that would override ours if inherited. */
    private static final Set<String> OTHER_CA_VARIABLES = Set.of(NODE_EXTRA_CA_CERTS, "SSL_CERT_DIR", "GIT_SSL_CAPATH",
            "NODE_USE_ENV_PROXY", "WGETRC");
    private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
            "ALL_PROXY", "all_proxy");

    private ChildEnv() {}

    /** Everything the environment depends on. {@code keywayHost} is the control plane's host (always bypassed unless bound). */
    public record Inputs(Map<String, String> parent, String addr, String token, String vault, String proxyHost, int proxyPort,
            String keywayHost, List<ServiceInfo> services, List<String> noProxyExtra, TrustFiles trust) {
        @Override
        public String toString() {
            return "Inputs[" + addr + ", vault " + vault + "]";
        }
    }

    /**
     * The result: {@code set} is what Keyway sets (in a stable order), {@code removed} the inherited
     * names dropped and not set again, {@code full} the complete child environment.
     */
    public record Result(Map<String, String> set, List<String> removed, Map<String, String> full) {
        @Override
        public String toString() {
            return "ChildEnv.Result[" + set.keySet() + "]";
        }
    }

    /** Whether an inherited variable must not reach the child (it is Keyway's, a proxy or a trust setting). */
    public static boolean isStale(String name) {
        String u = name.toUpperCase(Locale.ROOT);
        return u.startsWith("KEYWAY_") || u.endsWith("_PROXY") || BUNDLE_VARIABLES.contains(u) || OTHER_CA_VARIABLES.contains(u);
    }

    public static Result build(Inputs in) {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("KEYWAY_ADDR", in.addr());
        set.put("KEYWAY_TOKEN", in.token());
        set.put("KEYWAY_VAULT", in.vault());
        String url = proxyUrl(in.token(), in.vault(), in.proxyHost(), in.proxyPort());
        for (String v : PROXY_VARIABLES) {
            set.put(v, url);
        }
        List<String> bound = in.services().stream().map(ServiceInfo::host).filter(h -> !h.isEmpty()).toList();
        List<String> noProxy = NoProxy.entries(in.keywayHost(), in.noProxyExtra(), bound);
        set.put("NO_PROXY", String.join(",", noProxy));
        set.put("no_proxy", String.join(",", noProxy));
        set.put("NODE_USE_ENV_PROXY", "1");
        for (String v : BUNDLE_VARIABLES) {
            set.put(v, in.trust().bundle().toString());
        }
        set.put(NODE_EXTRA_CA_CERTS, in.trust().keywayCa().toString());
        set.put("NODE_OPTIONS", NodeOptions.merge(in.parent().get("NODE_OPTIONS"), in.trust().nodePreload()));
        set.put("WGETRC", in.trust().wgetrc().toString());
        set.put("PHP_INI_SCAN_DIR", PhpIni.scanDir(in.parent().get("PHP_INI_SCAN_DIR"), in.trust().phpIniDir()));
        set.put("JAVA_TOOL_OPTIONS", JavaToolOptions.merge(in.parent().get("JAVA_TOOL_OPTIONS"),
                JavaToolOptions.ours(in.trust(), in.proxyHost(), in.proxyPort(), NoProxy.javaNonProxyHosts(noProxy))));
        for (ServiceInfo s : in.services()) {
            for (ServiceInfo.EnvVar e : s.env()) {
                if (!isStale(e.name()) && !set.containsKey(e.name())) {
                    set.put(e.name(), e.value());
                }
            }
        }
        Map<String, String> full = new TreeMap<>();
        List<String> removed = new ArrayList<>();
        in.parent().forEach((k, v) -> {
            if (isStale(k)) {
                if (!set.containsKey(k)) {
                    removed.add(k);
                }
            } else {
                full.put(k, v);
            }
        });
        full.putAll(set);
        removed.sort(null);
        return new Result(set, List.copyOf(removed), full);
    }

    /** {@code http://TOKEN:VAULT@HOST:PORT}: the proxy authenticates Basic token:vault. */
    public static String proxyUrl(String token, String vault, String host, int port) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "http://" + enc(token) + ":" + enc(vault) + "@" + h + ":" + port;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
