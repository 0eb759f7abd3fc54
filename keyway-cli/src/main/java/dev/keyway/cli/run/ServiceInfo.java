package dev.keyway.cli.run;

import java.util.List;

/**
 * A service this run's token may use, as {@code /discover} describes it: its host (traffic to it
 * must go through Keyway, so it never lands in {@code NO_PROXY}) and the placeholder variables an
 * SDK should be given instead of a real key. Placeholder variables tied to no service (discovery's
 * top-level {@code env}, decoy credentials among them) come as one entry with an empty name and host.
 */
public record ServiceInfo(String name, String host, List<EnvVar> env) {
    public ServiceInfo {
        env = List.copyOf(env);
    }

    /** One placeholder variable, e.g. {@code OPENAI_API_KEY=sk-keyway-...}. Never a real secret. */
    public record EnvVar(String name, String value) {}

    /** The host name part of {@link #host()} (no port, no wildcard prefix), lower case. */
    public String hostName() {
        return NoProxy.hostOnly(host);
    }
}
