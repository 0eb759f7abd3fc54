package dev.keyway.server.aws;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.AwsEndpoints;
import dev.keyway.core.aws.RoleArn;
import dev.keyway.core.error.KeywayException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The shared-files step of the host chain: turns the selected profile of {@code ~/.aws/config} and
 * {@code ~/.aws/credentials} into credentials the way the AWS CLI does, so a developer's usual
 * profile works for Keyway unchanged.
 *
 * <ul>
 *   <li>A profile with {@code role_arn} + {@code source_profile} assumes the role (STS
 *       {@code AssumeRole}, with {@code external_id}, {@code role_session_name},
 *       {@code duration_seconds}) using the source profile's credentials. A source profile with
 *       static keys uses them (also when it has its own {@code role_arn}, which is how a profile
 *       names itself as its source); otherwise its own role is assumed first (role chaining, at
 *       most {@value #MAX_ROLES} roles, cycles refused) or its {@code credential_process} is run.
 *   <li>Otherwise static keys ({@code aws_access_key_id}, {@code aws_secret_access_key},
 *       {@code aws_session_token}), else {@code credential_process} ({@link CredentialProcess}).
 *   <li>Refused with a message saying so: {@code mfa_serial} (Keyway cannot prompt for a code),
 *       {@code credential_source}, {@code web_identity_token_file} in a profile, and SSO profiles.
 * </ul>
 * STS is called in {@code AWS_REGION}/{@code AWS_DEFAULT_REGION}, else the profile's {@code region},
 * else the role partition's default region.
 */
final class ProfileCredentials {
    /** The most roles one profile may chain through. */
    static final int MAX_ROLES = 5;
    private static final String DEFAULT_SESSION = "keyway-server";

    private final AwsEnv env;
    private final StsClient sts;
    private final Clock clock;
    private final Duration processTimeout;

    ProfileCredentials(AwsEnv env, StsClient sts, Clock clock, Duration processTimeout) {
        this.env = env;
        this.sts = sts;
        this.clock = clock;
        this.processTimeout = processTimeout;
    }

    /**
     * The credentials of {@code profile}; null when it configures none (no such profile, or only
     * settings like {@code region}), so the chain moves on.
     *
     * @throws AwsFailure when the profile configures credentials that cannot be obtained
     */
    HostCredentialChain.@Nullable HostCredentials resolve(String profile) {
        Map<String, String> p = SharedConfigFiles.profileSettings(env, profile);
        String region = env.region() != null ? env.region() : value(p, "region");
        if (value(p, "role_arn") != null) {
            return role(profile, p, new ArrayList<>(List.of(profile)), region);
        }
        HostCredentialChain.HostCredentials direct = direct(profile, p);
        if (direct == null && isSso(p)) {
            throw unsupportedSso(profile);
        }
        return direct;
    }

    /** Static keys, else the credential process; null when the profile has neither. */
    private HostCredentialChain.@Nullable HostCredentials direct(String profile, Map<String, String> p) {
        AwsCredentials keys = staticKeys(p);
        if (keys != null) {
            return new HostCredentialChain.HostCredentials(keys, "profile '" + profile + "'");
        }
        String process = value(p, "credential_process");
        if (process != null) {
            AwsCredentials c = CredentialProcess.run(profile, process, env.env(), processTimeout, clock.instant());
            return new HostCredentialChain.HostCredentials(c, "credential_process of profile '" + profile + "'");
        }
        return null;
    }

    /** Assumes the role of {@code profile}; {@code chain} lists the role profiles so far, this one last. */
    private HostCredentialChain.HostCredentials role(String profile, Map<String, String> p, List<String> chain,
            @Nullable String region) {
        if (chain.size() > MAX_ROLES) {
            throw fail("the profiles " + String.join(" -> ", chain) + " chain more than " + MAX_ROLES + " roles; Keyway follows "
                    + "at most " + MAX_ROLES);
        }
        if (value(p, "mfa_serial") != null) {
            throw fail("profile '" + profile + "' assumes its role with MFA (mfa_serial), which needs a code typed in; Keyway "
                    + "runs unattended and cannot prompt for one. Use a profile without mfa_serial for the Keyway server");
        }
        for (String key : List.of("credential_source", "web_identity_token_file")) {
            if (value(p, key) != null) {
                throw fail("profile '" + profile + "' uses " + key + ", which Keyway's host chain does not support; use "
                        + "source_profile" + (key.startsWith("web") ? " or AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN" : ""));
            }
        }
        String source = value(p, "source_profile");
        if (source == null) {
            throw fail("profile '" + profile + "' has role_arn but no source_profile naming the profile whose credentials "
                    + "assume the role");
        }
        HostCredentialChain.HostCredentials base;
        if (source.equals(profile)) {
            AwsCredentials keys = staticKeys(p);
            if (keys == null) {
                throw fail("profile '" + profile + "' is its own source_profile but has no aws_access_key_id and "
                        + "aws_secret_access_key");
            }
            base = new HostCredentialChain.HostCredentials(keys, "profile '" + profile + "'");
        } else {
            base = source(profile, source, chain, region);
        }
        return assume(profile, p, base, region);
    }

    /** The credentials of {@code source}, the source profile of {@code of}. */
    private HostCredentialChain.HostCredentials source(String of, String source, List<String> chain, @Nullable String region) {
        if (chain.contains(source)) {
            throw fail("the profiles " + String.join(" -> ", chain) + " -> " + source + " form a source_profile cycle");
        }
        Map<String, String> s = SharedConfigFiles.profileSettings(env, source);
        if (s.isEmpty()) {
            throw fail("profile '" + of + "' names source_profile '" + source + "', which is not defined in "
                    + SharedConfigFiles.credentialsFile(env) + " or " + SharedConfigFiles.configFile(env));
        }
        if (staticKeys(s) == null && value(s, "role_arn") != null) {
            chain.add(source);
            return role(source, s, chain, region);
        }
        HostCredentialChain.HostCredentials direct = direct(source, s);
        if (direct != null) {
            return direct;
        }
        if (isSso(s)) {
            throw unsupportedSso(source);
        }
        throw fail("source_profile '" + source + "' (of profile '" + of + "') has no credentials: no static keys, role_arn "
                + "or credential_process");
    }

    private HostCredentialChain.HostCredentials assume(String profile, Map<String, String> p, HostCredentialChain.HostCredentials base,
            @Nullable String region) {
        RoleArn arn;
        try {
            arn = RoleArn.parse(value(p, "role_arn"));
        } catch (KeywayException e) {
            throw fail("profile '" + profile + "': " + e.detail());
        }
        Duration duration = Duration.ofHours(1);
        String seconds = value(p, "duration_seconds");
        if (seconds != null) {
            long n;
            try {
                n = Long.parseLong(seconds);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 900 || n > 43_200) {
                throw fail("profile '" + profile + "': duration_seconds must be a number of seconds from 900 to 43200");
            }
            duration = Duration.ofSeconds(n);
        }
        String session = value(p, "role_session_name");
        String stsRegion = region != null && AwsEndpoints.isRegion(region) ? region : switch (arn.partition()) {
            case "aws-cn" -> "cn-north-1";
            case "aws-us-gov" -> "us-gov-west-1";
            default -> "us-east-1";
        };
        StsClient.Assumed a;
        try {
            a = sts.assumeRole(base.credentials(), new StsClient.AssumeRoleCall(arn.toString(), arn.partition(), stsRegion,
                    session == null ? DEFAULT_SESSION : session, duration, value(p, "external_id"), null));
        } catch (AwsFailure f) {
            // Denied or invalid here is about the host profile, not about a grant's role: do not let the
            // grant-time advice blame the grant's trust policy or duration.
            AwsFailure.Kind kind = f.kind() == AwsFailure.Kind.ACCESS_DENIED || f.kind() == AwsFailure.Kind.INVALID_REQUEST
                    ? AwsFailure.Kind.NO_HOST_CREDENTIALS : f.kind();
            throw new AwsFailure(kind, f.awsCode(), "profile '" + profile + "' could not assume " + arn + " with the "
                    + "credentials of " + base.source() + ": " + f.getMessage());
        }
        return new HostCredentialChain.HostCredentials(a.credentials(), "profile '" + profile + "' (role " + arn + " via "
                + base.source() + ")");
    }

    private static @Nullable AwsCredentials staticKeys(Map<String, String> p) {
        String id = value(p, "aws_access_key_id");
        String secret = value(p, "aws_secret_access_key");
        if (id == null || secret == null) {
            return null;
        }
        return new AwsCredentials(id, secret, value(p, "aws_session_token"), null);
    }

    private static boolean isSso(Map<String, String> p) {
        return value(p, "sso_session") != null || value(p, "sso_start_url") != null;
    }

    private static AwsFailure unsupportedSso(String profile) {
        return fail("profile '" + profile + "' is an IAM Identity Center (SSO) profile, which Keyway's host chain does not "
                + "support; give Keyway a profile with keys, a role with a source_profile, or a credential_process");
    }

    private static @Nullable String value(Map<String, String> p, String key) {
        String v = p.get(key);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static AwsFailure fail(String message) {
        return new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null, message);
    }
}
