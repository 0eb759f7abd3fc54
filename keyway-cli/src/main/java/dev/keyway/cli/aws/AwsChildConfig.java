package dev.keyway.cli.aws;

import dev.keyway.core.aws.AwsPlaceholders;
import dev.keyway.core.fs.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The AWS configuration {@code keyway run --grant NAME} gives its child process, so an unmodified
 * AWS CLI or SDK uses the grant and nothing else:
 *
 * <ul>
 *   <li>{@code credential-process} mode: a profile whose {@code credential_process} is Keyway's own
 *       CLI ({@code keyway aws credential-process --grant NAME}), which fetches fresh assumed-role
 *       credentials with the run's token whenever the SDK's expire. No curl or shell needed.
 *   <li>{@code sign} mode: a profile (and env vars) with the well-known placeholder key; the SDK
 *       signs with it and the proxy re-signs with the assumed role. The child never holds a real
 *       AWS key, not even a short-lived one.
 * </ul>
 *
 * Files are written 0600 into {@code dir/aws} (0700), which the run removes when it ends. The
 * returned {@link Child} says which variables to set and which inherited ones to remove (the
 * parent's own AWS credentials must not leak into the child).
 *
 * <p>Wiring in {@code keyway run} (pseudo-code):
 * <pre>
 *   Child aws = AwsChildConfig.write(runDir, grant, List.of(keywayLauncher...), region, mode, vault, caBundleOrNull);
 *   aws.unset().forEach(env::remove);
 *   env.putAll(aws.set());        // plus the run's KEYWAY_ADDR / KEYWAY_TOKEN / KEYWAY_VAULT / HTTPS_PROXY
 *   ... run the child ...; finally delete runDir (aws.files() are inside it)
 * </pre>
 * {@code region} is the grant's region (from {@code GET /v1/vaults/V/aws/grants/NAME}).
 * {@code caBundle} must contain the system roots plus the Keyway CA (it replaces the SDK's trust
 * store); pass null in credential-process mode when AWS traffic is tunnelled, not intercepted.
 */
public final class AwsChildConfig {
    /** The profile name written into the child's config. */
    public static final String PROFILE = "keyway";

    /** Inherited variables that would make the SDK use other credentials than the grant's. */
    public static final Set<String> UNSET = Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
            "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_DEFAULT_PROFILE",
            "AWS_CA_BUNDLE");

    private AwsChildConfig() {}

    /**
     * What to change in the child's environment.
     *
     * @param set variables to set (after removing {@code unset})
     * @param unset inherited variables to remove
     * @param files the files written (inside {@code dir/aws}; removed with the run's directory)
     */
    public record Child(Map<String, String> set, Set<String> unset, List<Path> files) {
        public Child {
            set = Map.copyOf(set);
            unset = Set.copyOf(unset);
            files = List.copyOf(files);
        }
    }

    /**
     * Writes the child's AWS config and returns the environment changes.
     *
     * @param keywayCommand argv that runs this Keyway CLI (e.g. {@code [/usr/bin/keyway]} or
     *     {@code [java, -jar, /opt/keyway.jar]}); quoted for the SDK's shell-like splitting
     * @param mode {@code credential-process} or {@code sign}
     * @param vault the vault to name in the helper's command line, or null for the token's own
     */
    public static Child write(Path dir, String grant, List<String> keywayCommand, String region, String mode,
            @Nullable String vault, @Nullable Path caBundle) throws IOException {
        return write(dir, grant, keywayCommand, region, mode, vault, caBundle, null, Map.of());
    }

    /**
     * Like {@link #write(Path, String, List, String, String, String, Path)} with per-run down-scoping
     * (credential-process mode only): {@code sessionPolicy} (JSON text) is written 0600 next to the
     * config and named in the helper's command line with the {@code sessionTags}, so every
     * credential fetch of the run asks for a session narrowed by them.
     */
    public static Child write(Path dir, String grant, List<String> keywayCommand, String region, String mode,
            @Nullable String vault, @Nullable Path caBundle, @Nullable String sessionPolicy, Map<String, String> sessionTags)
            throws IOException {
        if (mode.equals("sign") && (sessionPolicy != null || !sessionTags.isEmpty())) {
            throw new IllegalArgumentException("per-run session policies and tags apply to credential-process mode only");
        }
        if (!mode.equals("credential-process") && !mode.equals("sign")) {
            throw new IllegalArgumentException("mode must be credential-process or sign");
        }
        Path awsDir = dir.resolve("aws");
        OwnerOnly.restrictDirectory(awsDir); // non-POSIX file system: the run's directory is private already
        StringBuilder config = new StringBuilder("[profile " + PROFILE + "]\n").append("region = ").append(region).append('\n');
        Map<String, String> set = new LinkedHashMap<>();
        List<Path> extra = new java.util.ArrayList<>();
        if (mode.equals("sign")) {
            config.append("aws_access_key_id = ").append(AwsPlaceholders.ACCESS_KEY_ID).append('\n');
            config.append("aws_secret_access_key = ").append(AwsPlaceholders.SECRET_ACCESS_KEY).append('\n');
            set.put("AWS_ACCESS_KEY_ID", AwsPlaceholders.ACCESS_KEY_ID);
            set.put("AWS_SECRET_ACCESS_KEY", AwsPlaceholders.SECRET_ACCESS_KEY);
        } else {
            StringBuilder cmd = new StringBuilder();
            for (String a : keywayCommand) {
                cmd.append(quote(a)).append(' ');
            }
            cmd.append("aws credential-process --grant ").append(quote(grant));
            if (vault != null) {
                cmd.append(" --vault ").append(quote(vault));
            }
            if (sessionPolicy != null) {
                Path policyFile = awsDir.resolve("session-policy.json");
                writePrivate(policyFile, sessionPolicy);
                extra.add(policyFile);
                cmd.append(" --session-policy-file ").append(quote(policyFile.toString()));
            }
            for (Map.Entry<String, String> t : new java.util.TreeMap<>(sessionTags).entrySet()) {
                cmd.append(" --session-tag ").append(quote(t.getKey() + "=" + t.getValue()));
            }
            config.append("credential_process = ").append(cmd).append('\n');
        }
        Path configFile = awsDir.resolve("config");
        Path credentialsFile = awsDir.resolve("credentials");
        writePrivate(configFile, config.toString());
        writePrivate(credentialsFile, "");
        set.put("AWS_CONFIG_FILE", configFile.toString());
        set.put("AWS_SHARED_CREDENTIALS_FILE", credentialsFile.toString());
        set.put("AWS_PROFILE", PROFILE);
        set.put("AWS_REGION", region);
        set.put("AWS_DEFAULT_REGION", region);
        set.put("AWS_EC2_METADATA_DISABLED", "true");
        if (caBundle != null) {
            set.put("AWS_CA_BUNDLE", caBundle.toString());
        }
        extra.addAll(0, List.of(configFile, credentialsFile));
        return new Child(set, UNSET, extra);
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        OwnerOnly.createFile(file);
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** POSIX shell quoting as botocore's {@code shlex.split} reads it. */
    static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,@+%".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }
}
