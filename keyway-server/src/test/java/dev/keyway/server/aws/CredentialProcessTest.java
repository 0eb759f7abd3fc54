package dev.keyway.server.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code credential_process} profiles in the host chain, with real scripts written to a temporary
 * directory: command-line splitting, the Version 1 JSON, caching by expiry, and failures whose
 * messages never contain what the process printed.
 */
class CredentialProcessTest {
    static final String SECRET = "proc/SECRET/never/shown/0123456789";

    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

    static Stream<Arguments> commandLines() {
        return Stream.of(
                Arguments.of("/usr/local/bin/helper --profile dev", List.of("/usr/local/bin/helper", "--profile", "dev")),
                Arguments.of("  helper\t x  ", List.of("helper", "x")),
                Arguments.of("\"/opt/My Tools/helper\" arg", List.of("/opt/My Tools/helper", "arg")),
                Arguments.of("helper \"a \\\"quoted\\\" word\" 'single $x \"y\"'", List.of("helper", "a \"quoted\" word",
                        "single $x \"y\"")),
                Arguments.of("helper back\\ slash \"C:\\dir\\x\" \"end\\\\\"", List.of("helper", "back slash", "C:\\dir\\x", "end\\")),
                Arguments.of("helper \"\" a\"b c\"d", List.of("helper", "", "ab cd")));
    }

    @ParameterizedTest
    @MethodSource("commandLines")
    void commandLinesAreSplitLikeTheAwsCli(String line, List<String> words) {
        assertThat(CredentialProcess.split("dev", line)).isEqualTo(words);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "helper \"unclosed     | has an unclosed double quote",
        "helper 'unclosed      | has an unclosed single quote",
        "helper \\             | ends with a lone backslash",
        "''                    | is empty",
    })
    void malformedCommandLinesAreRefused(String line, String message) {
        assertThatThrownBy(() -> CredentialProcess.split("dev", line)).isInstanceOfSatisfying(AwsFailure.class,
                f -> assertThat(f.getMessage()).isEqualTo("the credential_process of profile 'dev' " + message));
    }

    Path script(String name, String body) throws Exception {
        Path s = dir.resolve(name);
        Files.createDirectories(s.getParent());
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    HostCredentialChain chain(String credentialProcess, Duration timeout) throws Exception {
        Path config = dir.resolve("config");
        Files.writeString(config, "[default]\nregion = eu-west-1\ncredential_process = " + credentialProcess + "\n");
        AwsEnv e = new AwsEnv(Map.of("AWS_CONFIG_FILE", config.toString(), "AWS_SHARED_CREDENTIALS_FILE",
                dir.resolve("none").toString(), "AWS_EC2_METADATA_DISABLED", "true", "PATH",
                System.getenv().getOrDefault("PATH", "/usr/bin:/bin"), "FROM_KEYWAY_ENV", "env-value"), dir, null, null);
        AwsHttp http = new AwsHttp(e);
        return new HostCredentialChain(e, http, new StsClient(e, http, clock), clock, timeout);
    }

    @Test
    void theProcessesKeysAreUsedAndCachedUntilFiveMinutesBeforeTheirExpiration() throws Exception {
        Path s = script("my tools/creds.sh", """
                echo run >> "$(dirname "$0")/runs"
                printf '{"Version": 1, "AccessKeyId": "ASIAPROC%s", "SecretAccessKey": "%s", "SessionToken": "tok-%s",
                  "Expiration": "2026-03-01T11:00:00+00:00"}' "$1" "$FROM_KEYWAY_ENV" "$2"
                """);
        HostCredentialChain chain = chain("\"" + s + "\" one \"two words\"", Duration.ofSeconds(20));
        var c = chain.resolve();
        assertThat(c.credentials().accessKeyId()).isEqualTo("ASIAPROCone");
        assertThat(c.credentials().secretAccessKey()).isEqualTo("env-value");
        assertThat(c.credentials().sessionToken()).isEqualTo("tok-two words");
        assertThat(c.credentials().expiration()).isEqualTo(Instant.parse("2026-03-01T11:00:00Z"));
        assertThat(c.source()).isEqualTo("credential_process of profile 'default'");
        assertThat(c.toString()).doesNotContain("env-value");

        clock.advance(Duration.ofMinutes(54));
        assertThat(chain.resolve()).isSameAs(c);
        assertThat(Files.readAllLines(s.resolveSibling("runs"))).hasSize(1);
        clock.advance(Duration.ofMinutes(2));
        chain.resolve();
        assertThat(Files.readAllLines(s.resolveSibling("runs"))).hasSize(2);
    }

    @Test
    void longTermKeysWithoutExpirationAreFetchedAgainEachTime() throws Exception {
        Path s = script("static.sh", """
                echo run >> "$(dirname "$0")/runs"
                echo '{"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "static-secret"}'
                """);
        HostCredentialChain chain = chain(s.toString(), Duration.ofSeconds(20));
        assertThat(chain.resolve().credentials().sessionToken()).isNull();
        assertThat(chain.resolve().credentials().expiration()).isNull();
        assertThat(Files.readAllLines(s.resolveSibling("runs"))).hasSize(2);
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("echo '{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"" + SECRET + "\"}'\necho " + SECRET
                        + " >&2\nexit 1", "exited with status 1 (its output is not shown"),
                Arguments.of("echo 'not json " + SECRET + "'", "did not print JSON"),
                Arguments.of("echo '[\"" + SECRET + "\"]'", "did not print a JSON object"),
                Arguments.of("echo '{\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"" + SECRET + "\"}'", "without \"Version\": 1"),
                Arguments.of("echo '{\"Version\":2,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"" + SECRET + "\"}'",
                        "without \"Version\": 1"),
                Arguments.of("echo '{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SessionToken\":\"" + SECRET + "\"}'",
                        "printed JSON without SecretAccessKey"),
                Arguments.of("echo '{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"" + SECRET
                        + "\",\"Expiration\":\"2026-03-01T09:00:00Z\"}'", "printed credentials that expired at 2026-03-01T09:00:00Z"),
                Arguments.of("echo '{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"" + SECRET
                        + "\",\"Expiration\":\"" + SECRET + "\"}'", "printed an Expiration that is not an ISO 8601 time"),
                Arguments.of("echo " + SECRET + "\nsleep 20", "did not finish within 300 ms and was stopped"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void failuresSayWhatWentWrongWithoutQuotingTheOutput(String body, String message) throws Exception {
        Path s = script("helper.sh", body);
        HostCredentialChain chain = chain(s + " --token " + "arg", Duration.ofMillis(300));
        assertThatThrownBy(chain::resolve).isInstanceOfSatisfying(AwsFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(AwsFailure.Kind.NO_HOST_CREDENTIALS);
            assertThat(f.getMessage()).startsWith("the credential_process 'helper.sh' of profile 'default' ").contains(message)
                    .doesNotContain(SECRET).doesNotContain("--token");
        });
    }

    @Test
    void aMissingProgramIsAClearFailure() throws Exception {
        assertThatThrownBy(() -> chain(dir.resolve("not-there") + " x", Duration.ofSeconds(5)).resolve())
                .isInstanceOfSatisfying(AwsFailure.class, f -> assertThat(f.getMessage())
                        .isEqualTo("cannot start the credential_process 'not-there' of profile 'default' (IOException; is it "
                                + "installed, on the PATH and executable?)"));
    }
}
