package dev.keyway.server.aws;

import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The environment Keyway's own AWS calls are configured by (the standard AWS SDK variables), plus
 * the home directory for {@code ~/.aws}. The server passes {@code System.getenv()}; tests pass a
 * map pointing at local fakes, so no test depends on the machine's real AWS setup.
 *
 * @param upstreamCa the server's {@code --upstream-ca} bundle, also trusted for STS
 * @param upstreamProxy the server's {@code --upstream-proxy} ({@code http://host:port}), used for STS too
 */
public record AwsEnv(Map<String, String> env, Path home, @Nullable Path upstreamCa, @Nullable String upstreamProxy) {
    public AwsEnv {
        env = Map.copyOf(env);
    }

    /** The server process's environment and home directory. */
    public static AwsEnv system(@Nullable Path upstreamCa, @Nullable String upstreamProxy) {
        return new AwsEnv(System.getenv(), Path.of(System.getProperty("user.home")), upstreamCa, upstreamProxy);
    }

    /** The variable's value, or null when unset or blank. */
    public @Nullable String get(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, else null. */
    public @Nullable String region() {
        String r = get("AWS_REGION");
        return r != null ? r : get("AWS_DEFAULT_REGION");
    }
}
