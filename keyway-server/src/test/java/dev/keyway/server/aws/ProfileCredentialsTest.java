package dev.keyway.server.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Role profiles in the shared config files ({@code role_arn} + {@code source_profile}) resolved
 * through the host chain against a local STS that verifies every signature, so "signed with the
 * source profile's keys" is checked by the signature itself.
 */
class ProfileCredentialsTest {
    static final String DEV = "arn:aws:iam::123456789012:role/Dev";
    static final String MID = "arn:aws:iam::123456789012:role/Mid";
    static final String BASE_KEYS = "[base]\naws_access_key_id = " + FakeSts.HOST_KEY_ID + "\naws_secret_access_key = "
            + FakeSts.HOST_SECRET + "\n";

    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    FakeSts sts;

    @BeforeEach
    void start() throws Exception {
        sts = new FakeSts(dir, clock);
    }

    @AfterEach
    void stop() {
        sts.close();
    }

    /** A chain reading only the given config and credentials files, with AWS_PROFILE=dev. */
    HostCredentialChain chain(String config, String credentials) throws Exception {
        Files.writeString(dir.resolve("config"), config);
        Files.writeString(dir.resolve("credentials"), credentials);
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL_STS", sts.url());
        env.put("AWS_CA_BUNDLE", sts.caFile().toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_CONFIG_FILE", dir.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("credentials").toString());
        env.put("AWS_PROFILE", "dev");
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        AwsEnv e = new AwsEnv(env, dir.resolve("home"), null, null);
        AwsHttp http = new AwsHttp(e);
        return new HostCredentialChain(e, http, new StsClient(e, http, clock), clock, Duration.ofSeconds(20));
    }

    @Test
    void roleProfileAssumesTheRoleWithTheSourceProfilesKeysAndIsCachedUntilNearExpiry() throws Exception {
        HostCredentialChain chain = chain("""
                [profile dev]
                role_arn = %s
                source_profile = base
                external_id = ext-42
                role_session_name = alice-laptop
                duration_seconds = 1800
                region = eu-west-1
                """.formatted(DEV), BASE_KEYS);
        var c = chain.resolve();
        assertThat(c.credentials().accessKeyId()).startsWith("ASIAFAKESESSION");
        assertThat(c.credentials().expiration()).isEqualTo(clock.instant().plus(Duration.ofMinutes(30)));
        assertThat(c.source()).isEqualTo("profile 'dev' (role " + DEV + " via profile 'base')");
        assertThat(sts.calls).singleElement().satisfies(call -> assertThat(call).containsEntry("Action", "AssumeRole")
                .containsEntry("RoleArn", DEV).containsEntry("ExternalId", "ext-42")
                .containsEntry("RoleSessionName", "alice-laptop").containsEntry("DurationSeconds", "1800"));
        assertThat(sts.signers).containsExactly(FakeSts.HOST_KEY_ID);

        clock.advance(Duration.ofMinutes(24));
        assertThat(chain.resolve()).isSameAs(c);
        clock.advance(Duration.ofMinutes(2)); // 4 minutes left: inside the 5-minute margin
        assertThat(chain.resolve().credentials().accessKeyId()).isNotEqualTo(c.credentials().accessKeyId());
        assertThat(sts.assumeCalls).hasValue(2);
    }

    @Test
    void nestedRoleProfilesAssumeEachRoleWithThePreviousRolesSession() throws Exception {
        HostCredentialChain chain = chain("""
                [profile dev]
                role_arn = %s
                source_profile = mid
                [profile mid]
                role_arn = %s
                source_profile = base
                """.formatted(DEV, MID), BASE_KEYS);
        var c = chain.resolve();
        assertThat(sts.calls).extracting(m -> m.get("RoleArn")).containsExactly(MID, DEV);
        assertThat(sts.calls).extracting(m -> m.get("RoleSessionName")).containsOnly("keyway-server");
        assertThat(sts.signers).containsExactly(FakeSts.HOST_KEY_ID, "ASIAFAKESESSION00001");
        assertThat(c.credentials().accessKeyId()).isEqualTo("ASIAFAKESESSION00002");
        assertThat(c.source()).isEqualTo("profile 'dev' (role " + DEV + " via profile 'mid' (role " + MID
                + " via profile 'base'))");
    }

    @Test
    void aProfileCanBeItsOwnSourceWithStaticKeys() throws Exception {
        var c = chain("[profile dev]\nrole_arn = " + DEV + "\nsource_profile = dev\n", "[dev]\naws_access_key_id = "
                + FakeSts.HOST_KEY_ID + "\naws_secret_access_key = " + FakeSts.HOST_SECRET + "\n").resolve();
        assertThat(c.credentials().sessionToken()).isNotNull();
        assertThat(sts.signers).containsExactly(FakeSts.HOST_KEY_ID);
    }

    @Test
    void aSourceProfileWithACredentialProcessRunsIt() throws Exception {
        Path script = dir.resolve("keys.sh");
        Files.writeString(script, "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}' \""
                + FakeSts.HOST_KEY_ID + "\" \"" + FakeSts.HOST_SECRET + "\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        var c = chain("[profile dev]\nrole_arn = " + DEV + "\nsource_profile = helper\n[profile helper]\ncredential_process = "
                + script + "\n", "").resolve();
        assertThat(c.source()).isEqualTo("profile 'dev' (role " + DEV + " via credential_process of profile 'helper')");
        assertThat(sts.signers).containsExactly(FakeSts.HOST_KEY_ID);
    }

    @Test
    void stsDenyingTheProfilesRoleIsAHostCredentialProblemWithoutKeysInTheMessage() throws Exception {
        sts.failures.add("AccessDenied");
        HostCredentialChain chain = chain("[profile dev]\nrole_arn = " + DEV + "\nsource_profile = base\n", BASE_KEYS);
        assertThatThrownBy(chain::resolve).isInstanceOfSatisfying(AwsFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(AwsFailure.Kind.NO_HOST_CREDENTIALS);
            assertThat(f.awsCode()).isEqualTo("AccessDenied");
            assertThat(f.getMessage()).startsWith("profile 'dev' could not assume " + DEV + " with the credentials of profile 'base'")
                    .doesNotContain(FakeSts.HOST_SECRET);
        });
    }

    static Stream<Arguments> refused() {
        String longChain = IntStream.rangeClosed(1, 6).mapToObj(i -> "[profile " + (i == 1 ? "dev" : "p" + i) + "]\nrole_arn = "
                + DEV + "\nsource_profile = " + (i == 6 ? "base" : "p" + (i + 1)) + "\n").collect(Collectors.joining());
        return Stream.of(
                Arguments.of("cycle", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = mid\n[profile mid]\nrole_arn = " + MID
                        + "\nsource_profile = dev\n", "the profiles dev -> mid -> dev form a source_profile cycle"),
                Arguments.of("missing source", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = nope\n",
                        "profile 'dev' names source_profile 'nope', which is not defined in"),
                Arguments.of("mfa", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = base\nmfa_serial = "
                        + "arn:aws:iam::123456789012:mfa/alice\n", "(mfa_serial), which needs a code typed in"),
                Arguments.of("mfa deeper in the chain", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = mid\n"
                        + "[profile mid]\nrole_arn = " + MID + "\nsource_profile = base\nmfa_serial = x\n",
                        "profile 'mid' assumes its role with MFA"),
                Arguments.of("no source", "[profile dev]\nrole_arn = " + DEV + "\n", "has role_arn but no source_profile"),
                Arguments.of("credential_source", "[profile dev]\nrole_arn = " + DEV + "\ncredential_source = Environment\n",
                        "uses credential_source, which Keyway's host chain does not support"),
                Arguments.of("source without credentials", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = empty\n"
                        + "[profile empty]\nregion = eu-west-1\n", "source_profile 'empty' (of profile 'dev') has no credentials"),
                Arguments.of("sso source", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = sso\n[profile sso]\n"
                        + "sso_session = corp\nsso_account_id = 123456789012\n", "profile 'sso' is an IAM Identity Center (SSO)"),
                Arguments.of("sso profile", "[profile dev]\nsso_start_url = https://corp.awsapps.com/start\n",
                        "profile 'dev' is an IAM Identity Center (SSO) profile"),
                Arguments.of("six roles", longChain, "the profiles dev -> p2 -> p3 -> p4 -> p5 -> p6 chain more than 5 roles"),
                Arguments.of("own source without keys", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = dev\n",
                        "profile 'dev' is its own source_profile but has no aws_access_key_id"),
                Arguments.of("bad role arn", "[profile dev]\nrole_arn = Dev\nsource_profile = base\n", "profile 'dev': 'Dev' is not an ARN"),
                Arguments.of("bad duration", "[profile dev]\nrole_arn = " + DEV + "\nsource_profile = base\nduration_seconds = 1h\n",
                        "duration_seconds must be a number of seconds from 900 to 43200"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void unusableProfilesAreRefusedBeforeAnyStsCallWithAMessageNamingTheProfiles(String name, String config, String message)
            throws Exception {
        HostCredentialChain chain = chain(config, BASE_KEYS);
        assertThatThrownBy(chain::resolve).isInstanceOfSatisfying(AwsFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(AwsFailure.Kind.NO_HOST_CREDENTIALS);
            assertThat(f.getMessage()).contains(message).doesNotContain(FakeSts.HOST_SECRET);
        });
        assertThat(sts.assumeCalls).hasValue(0);
    }

    @Test
    void aProfileWithOnlySettingsLetsTheChainMoveOn() throws Exception {
        HostCredentialChain chain = chain("[profile dev]\nregion = eu-west-1\n", "");
        assertThatThrownBy(chain::resolve).isInstanceOfSatisfying(AwsFailure.class,
                f -> assertThat(f.getMessage()).startsWith("Keyway found no AWS credentials of its own").contains("profile 'dev'"));
    }
}
