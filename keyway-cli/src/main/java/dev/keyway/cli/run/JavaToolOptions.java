package dev.keyway.cli.run;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code JAVA_TOOL_OPTIONS} a JVM in the child needs to go through Keyway unmodified: the
 * PKCS12 trust store (system roots plus the Keyway CA), the proxy host and port for http and https,
 * the non-proxy hosts, Basic allowed for proxy tunnels (the JDK disables it by default), and the
 * agent that answers the proxy's challenge for {@code HttpURLConnection} and {@code HttpClient}.
 * The user's own options are kept; stale copies of ours (from an outer {@code keyway run}) are dropped.
 * Credentials never go here: every JVM echoes this variable on stderr.
 */
public final class JavaToolOptions {
    private static final List<String> MANAGED = List.of("-Djavax.net.ssl.trustStore=", "-Djavax.net.ssl.trustStoreType=",
            "-Djavax.net.ssl.trustStorePassword=", "-Dhttps.proxyHost=", "-Dhttps.proxyPort=", "-Dhttp.proxyHost=",
            "-Dhttp.proxyPort=", "-Dhttp.nonProxyHosts=", "-Djdk.http.auth.tunneling.disabledSchemes=",
            "-Djdk.http.auth.proxying.disabledSchemes=");

    private JavaToolOptions() {}

    /** Our options, in order. */
    public static List<String> ours(TrustFiles trust, String proxyHost, int proxyPort, String nonProxyHosts) {
        String host = proxyHost.contains(":") && !proxyHost.startsWith("[") ? "[" + proxyHost + "]" : proxyHost;
        return List.of(
                "-javaagent:" + trust.agentJar(),
                "-Djavax.net.ssl.trustStore=" + trust.trustStore(),
                "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djavax.net.ssl.trustStorePassword=" + trust.trustStorePassword(),
                "-Dhttps.proxyHost=" + host,
                "-Dhttps.proxyPort=" + proxyPort,
                "-Dhttp.proxyHost=" + host,
                "-Dhttp.proxyPort=" + proxyPort,
                "-Dhttp.nonProxyHosts=" + nonProxyHosts,
                "-Djdk.http.auth.tunneling.disabledSchemes=",
                "-Djdk.http.auth.proxying.disabledSchemes=");
    }

    /** The existing options minus stale managed ones, then ours; values with spaces are double-quoted. */
    public static String merge(@Nullable String existing, List<String> ours) {
        List<String> out = new ArrayList<>();
        for (String t : tokens(existing == null ? "" : existing)) {
            if (!isManaged(unquote(t))) {
                out.add(t);
            }
        }
        for (String o : ours) {
            out.add(o.chars().anyMatch(Character::isWhitespace) ? "\"" + o + "\"" : o);
        }
        return String.join(" ", out);
    }

    static boolean isManaged(String option) {
        if (option.startsWith("-javaagent:") && option.contains(AgentJar.FILE_NAME)) {
            return true;
        }
        return MANAGED.stream().anyMatch(option::startsWith);
    }

    /** Splits like the JVM does: on whitespace, keeping single- or double-quoted runs together. */
    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                cur.append(c);
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                cur.append(c);
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }

    static String unquote(String t) {
        return t.replace("\"", "").replace("'", "");
    }
}
