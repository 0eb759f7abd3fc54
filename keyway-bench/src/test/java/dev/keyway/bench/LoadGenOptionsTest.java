package dev.keyway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class LoadGenOptionsTest {

    @Test
    void defaultsAreKeepAliveSixteenConnectionsTwentySeconds() {
        LoadGenOptions o = LoadGenOptions.parse("--target", "https://localhost:8443/small?x=1", "--ca", "a.pem");
        assertThat(o.host()).isEqualTo("localhost");
        assertThat(o.port()).isEqualTo(8443);
        assertThat(o.pathAndQuery()).isEqualTo("/small?x=1");
        assertThat(o.concurrency()).isEqualTo(16);
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.newConnection()).isFalse();
        assertThat(o.tlsResume()).isFalse();
        assertThat(o.viaProxy()).isFalse();
        assertThat(o.caFiles()).containsExactly(Path.of("a.pem"));
        assertThat(o.label()).isEqualTo("keepalive /small");
    }

    @Test
    void proxyRunParsesEveryOption() {
        LoadGenOptions o = LoadGenOptions.parse("--target", "https://api.example.com/v1", "--proxy", "127.0.0.1:9791",
                "--proxy-auth", "kw_agt_abc:default", "--ca", "k.pem", "--ca", "u.pem", "--concurrency", "4",
                "--duration", "2s", "--warmup", "500ms", "--mode", "newconn", "--label", "x", "--sample-pid", "42",
                "--expect-auth", "--tls-resume", "--threads", "2");
        assertThat(o.port()).isEqualTo(443);
        assertThat(o.proxyHost()).isEqualTo("127.0.0.1");
        assertThat(o.proxyPort()).isEqualTo(9791);
        assertThat(o.proxyUser()).isEqualTo("kw_agt_abc");
        assertThat(o.proxyPassword()).isEqualTo("default");
        assertThat(o.caFiles()).containsExactly(Path.of("k.pem"), Path.of("u.pem"));
        assertThat(o.concurrency()).isEqualTo(4);
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.newConnection()).isTrue();
        assertThat(o.tlsResume()).isTrue();
        assertThat(o.samplePid()).isEqualTo(42);
        assertThat(o.expectAuth()).isTrue();
        assertThat(o.threads()).isEqualTo(2);
        assertThat(o.label()).isEqualTo("x");
    }

    @Test
    void headersSystemAndRoundForSideBySideRuns() {
        LoadGenOptions o = LoadGenOptions.parse("--target", "https://localhost/small", "--header",
                "Authorization: Bearer sk-placeholder", "-H", "X-A:b", "--system", "squid", "--round", "3");
        assertThat(o.headers()).containsExactly(java.util.Map.entry("Authorization", "Bearer sk-placeholder"),
                java.util.Map.entry("X-A", "b"));
        assertThat(o.system()).isEqualTo("squid");
        assertThat(o.round()).isEqualTo(3);
        assertThatThrownBy(() -> LoadGenOptions.parse("--target", "https://localhost/", "--header", "no colon"))
                .hasMessageContaining("--header must be 'Name: value'");
        assertThatThrownBy(() -> LoadGenOptions.parse("--target", "https://localhost/", "--header", ": v"))
                .hasMessageContaining("--header must be 'Name: value'");
    }

    @ParameterizedTest
    @CsvSource({"250ms, 250", "20s, 20000", "1.5s, 1500", "2m, 120000", "3, 3000", "0s, 0"})
    void durations(String text, long millis) {
        assertThat(LoadGenOptions.duration("--duration", text)).isEqualTo(Duration.ofMillis(millis));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(List.of("--ca", "a.pem"), "--target is required"),
                Arguments.of(List.of("--target", "http://localhost/small"), "https://"),
                Arguments.of(List.of("--target", "https://h/", "--insecure-upstream"), "not supported"),
                Arguments.of(List.of("--target", "https://h/", "-k"), "not supported"),
                Arguments.of(List.of("--target", "https://h/", "--proxy-auth", "t:v"), "needs --proxy"),
                Arguments.of(List.of("--target", "https://h/", "--proxy", "nohostport"), "HOST:PORT"),
                Arguments.of(List.of("--target", "https://h/", "--mode", "pipelined"), "keepalive or newconn"),
                Arguments.of(List.of("--target", "https://h/", "--concurrency", "0"), "positive integer"),
                Arguments.of(List.of("--target", "https://h/", "--duration", "soon"), "duration like"),
                Arguments.of(List.of("--target", "https://h/", "--duration", "0s"), "must be positive"),
                Arguments.of(List.of("--target", "https://h/", "--bogus"), "unknown option"),
                Arguments.of(List.of("--target"), "needs a value"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidCommandLinesAreRejectedWithAMessage(List<String> args, String message) {
        assertThatThrownBy(() -> LoadGenOptions.parse(args.toArray(String[]::new)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
