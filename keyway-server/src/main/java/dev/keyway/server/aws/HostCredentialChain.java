package dev.keyway.server.aws;

import dev.keyway.core.aws.AwsCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The credentials Keyway itself calls STS with, found the way the AWS SDKs find them, in this
 * order: environment variables ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
 * {@code AWS_SESSION_TOKEN}); a web identity token ({@code AWS_WEB_IDENTITY_TOKEN_FILE} +
 * {@code AWS_ROLE_ARN}, exchanged with {@code AssumeRoleWithWebIdentity}); the shared credentials
 * and config files ({@code AWS_PROFILE}: static keys, {@code role_arn} + {@code source_profile},
 * {@code credential_process}; see {@link ProfileCredentials}); ECS/EKS container credentials
 * ({@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI} / {@code _FULL_URI}, with
 * {@code AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]}); EC2 instance metadata (IMDSv2, 1 s
 * timeouts, off with {@code AWS_EC2_METADATA_DISABLED=true}). The first source that is configured
 * is used; temporary credentials are cached until 5 minutes before they expire.
 *
 * <p>Thread-safe; {@link #resolve()} blocks (run it off event loops).
 */
public final class HostCredentialChain {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration MARGIN = Duration.ofMinutes(5);
    private static final String ECS_HOST = "http://169.254.170.2";
    private static final String IMDS = "http://169.254.169.254";

    private final AwsEnv env;
    private final AwsHttp http;
    private final StsClient sts;
    private final Clock clock;
    private final ProfileCredentials profiles;
    private @Nullable HostCredentials cached;

    /** Credentials and where they came from (for messages: "from the environment"). */
    public record HostCredentials(AwsCredentials credentials, String source) {}

    public HostCredentialChain(AwsEnv env, AwsHttp http, StsClient sts, Clock clock) {
        this(env, http, sts, clock, CredentialProcess.DEFAULT_TIMEOUT);
    }

    /** @param processTimeout how long a profile's {@code credential_process} may run (tests shorten it) */
    HostCredentialChain(AwsEnv env, AwsHttp http, StsClient sts, Clock clock, Duration processTimeout) {
        this.env = env;
        this.http = http;
        this.sts = sts;
        this.clock = clock;
        this.profiles = new ProfileCredentials(env, sts, clock, processTimeout);
    }

    /** The current host credentials; {@link AwsFailure.Kind#NO_HOST_CREDENTIALS} when no source is configured. */
    public synchronized HostCredentials resolve() {
        HostCredentials c = cached;
        if (c != null && c.credentials().validFor(clock.instant(), MARGIN)) {
            return c;
        }
        List<String> checked = new ArrayList<>();
        HostCredentials found = fromEnvironment(checked);
        if (found == null) {
            found = fromWebIdentity(checked);
        }
        if (found == null) {
            found = fromProfile(checked);
        }
        if (found == null) {
            found = fromContainer(checked);
        }
        if (found == null) {
            found = fromInstanceMetadata(checked);
        }
        if (found == null) {
            throw new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null, "Keyway found no AWS credentials of its own to call "
                    + "STS with (checked: " + String.join("; ", checked) + ")");
        }
        cached = found.credentials().expiration() == null ? null : found;
        return found;
    }

    private @Nullable HostCredentials fromEnvironment(List<String> checked) {
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        checked.add("environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
        if (id == null || secret == null) {
            return null;
        }
        return new HostCredentials(new AwsCredentials(id, secret, env.get("AWS_SESSION_TOKEN"), null), "environment variables");
    }

    private @Nullable HostCredentials fromWebIdentity(List<String> checked) {
        String file = env.get("AWS_WEB_IDENTITY_TOKEN_FILE");
        String role = env.get("AWS_ROLE_ARN");
        checked.add("web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN)");
        if (file == null || role == null) {
            return null;
        }
        String token;
        try {
            token = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null, "cannot read the web identity token file " + file
                    + ": " + e.getClass().getSimpleName());
        }
        String session = env.get("AWS_ROLE_SESSION_NAME");
        String region = env.region() == null ? "us-east-1" : env.region();
        StsClient.Assumed a = sts.assumeRoleWithWebIdentity(role, session == null ? "keyway-server" : session, token, region);
        return new HostCredentials(a.credentials(), "web identity role " + role);
    }

    private @Nullable HostCredentials fromProfile(List<String> checked) {
        String profile = SharedConfigFiles.profile(env);
        checked.add("profile '" + profile + "' in " + SharedConfigFiles.credentialsFile(env) + " and "
                + SharedConfigFiles.configFile(env));
        return profiles.resolve(profile);
    }

    private @Nullable HostCredentials fromContainer(List<String> checked) {
        String relative = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        String full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        checked.add("container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI)");
        if (relative == null && full == null) {
            return null;
        }
        URI uri = URI.create(relative != null ? ECS_HOST + relative : full);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET();
        String auth = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        String authFile = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        if (authFile != null) {
            try {
                auth = Files.readString(Path.of(authFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null, "cannot read " + authFile);
            }
        }
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpResponse<String> r = http.sendMetadata(b.build());
        if (r.statusCode() != 200) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "the container credentials endpoint answered HTTP " + r.statusCode());
        }
        return new HostCredentials(metadataJson(r.body(), "container credentials"), "container credentials");
    }

    private @Nullable HostCredentials fromInstanceMetadata(List<String> checked) {
        if ("true".equalsIgnoreCase(env.get("AWS_EC2_METADATA_DISABLED"))) {
            checked.add("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
            return null;
        }
        checked.add("instance metadata (IMDSv2)");
        String base = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        base = base == null ? IMDS : base.replaceAll("/+$", "");
        HttpResponse<String> t;
        try {
            t = http.sendMetadata(HttpRequest.newBuilder(URI.create(base + "/latest/api/token")).timeout(Duration.ofSeconds(1))
                    .header("X-aws-ec2-metadata-token-ttl-seconds", "21600").PUT(HttpRequest.BodyPublishers.noBody()).build());
        } catch (AwsFailure e) {
            return null; // not on EC2
        }
        if (t.statusCode() != 200) {
            return null;
        }
        String token = t.body().strip();
        String path = base + "/latest/meta-data/iam/security-credentials/";
        HttpResponse<String> names = http.sendMetadata(HttpRequest.newBuilder(URI.create(path)).timeout(Duration.ofSeconds(2))
                .header("X-aws-ec2-metadata-token", token).GET().build());
        if (names.statusCode() != 200 || names.body().isBlank()) {
            return null; // an instance without a role
        }
        String role = names.body().strip().split("\\R")[0].strip();
        HttpResponse<String> r = http.sendMetadata(HttpRequest.newBuilder(URI.create(path + role)).timeout(Duration.ofSeconds(2))
                .header("X-aws-ec2-metadata-token", token).GET().build());
        if (r.statusCode() != 200) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "instance metadata answered HTTP " + r.statusCode()
                    + " for the role's credentials");
        }
        return new HostCredentials(metadataJson(r.body(), "instance metadata"), "instance profile role " + role);
    }

    private static AwsCredentials metadataJson(String body, String what) {
        try {
            JsonNode n = JSON.readTree(body);
            String id = n.path("AccessKeyId").asString("");
            String secret = n.path("SecretAccessKey").asString("");
            String token = n.path("Token").asString("");
            String exp = n.path("Expiration").asString("");
            if (id.isEmpty() || secret.isEmpty()) {
                throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, what + " answered without credentials");
            }
            return new AwsCredentials(id, secret, token.isEmpty() ? null : token, exp.isEmpty() ? null : Instant.parse(exp));
        } catch (AwsFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, what + " answered something unreadable");
        }
    }
}
