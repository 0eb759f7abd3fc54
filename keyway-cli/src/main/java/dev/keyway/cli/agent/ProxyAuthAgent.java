package dev.keyway.cli.agent;

import java.lang.instrument.Instrumentation;
import java.net.Authenticator;
import java.net.ProxySelector;

/**
 * Entry point of the agent ({@code Premain-Class}). Reads the proxy credentials from the proxy
 * variables {@code keyway run} sets, installs {@link KeywayProxyAuthenticator} and
 * {@link KeywayProxySelector} as the defaults and registers {@link HttpClientAuthPatch}. Any failure leaves the JVM untouched: a wrapper must never
 * stop a program from starting.
 */
public final class ProxyAuthAgent {
    private ProxyAuthAgent() {}

    public static void premain(String args, Instrumentation inst) {
        try {
            ProxyCredentials c = ProxyCredentials.fromEnvironment(System.getenv());
            if (c == null) {
                return;
            }
            Authenticator.setDefault(new KeywayProxyAuthenticator(c));
            ProxySelector.setDefault(new KeywayProxySelector(c, KeywayProxySelector.noProxyFrom(System.getenv()),
                    ProxySelector.getDefault()));
            inst.addTransformer(new HttpClientAuthPatch());
        } catch (Throwable t) { // NOPMD: never break the host program
            if (System.getenv("KEYWAY_AGENT_DEBUG") != null) {
                System.err.println("keyway agent: not installed: " + t);
            }
        }
    }

    public static void agentmain(String args, Instrumentation inst) {
        premain(args, inst);
    }
}
