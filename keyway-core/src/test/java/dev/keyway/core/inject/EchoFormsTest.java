package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import dev.keyway.core.service.Surface;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the Injector reports as the echoes of one request, per injection kind, through the scanner. */
class EchoFormsTest {
    private static final String SECRET = "sk-live \"9/+=&x";

    private static HttpHead head(String target, String... nameValues) {
        List<HttpHead.Header> headers = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(new HttpHead.Header(nameValues[i], nameValues[i + 1]));
        }
        return new HttpHead("GET", target, headers);
    }

    private static String scan(Redactions r, String body) {
        StreamRedactor s = r.stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] in = body.getBytes(StandardCharsets.UTF_8);
        s.update(in, 0, in.length, out::write);
        s.finish(out::write);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static Stream<Arguments> table() {
        String pct = "sk-live%20%229%2F%2B%3D%26x";
        return Stream.of(
                Arguments.of("bearer, raw", new Injection.Bearer("KEY"), head("/"),
                        "{\"h\":\"Bearer " + SECRET + "\"}", "{\"h\":\"Bearer [REDACTED:KEY]\"}"),
                Arguments.of("bearer, JSON-escaped", new Injection.Bearer("KEY"), head("/"),
                        "{\"h\":\"Bearer sk-live \\\"9/+=&x\"}", "{\"h\":\"Bearer [REDACTED:KEY]\"}"),
                Arguments.of("basic, the base64 token and the raw password",
                        Injection.Basic.withLiteralUser("bob", "KEY"), head("/"),
                        "Authorization: Basic " + b64("bob:" + SECRET) + " pw=" + SECRET,
                        "Authorization: Basic [REDACTED:KEY] pw=[REDACTED:KEY]"),
                Arguments.of("query, percent-encoded", new Injection.Query("key", "KEY"), head("/v1"),
                        "url=/v1?key=" + pct, "url=/v1?key=[REDACTED:KEY]"),
                Arguments.of("substitution, raw back to the placeholder",
                        new Injection.Substitute("__PH__", "KEY", EnumSet.of(Surface.HEADER)),
                        head("/", "X-Key", "__PH__"), "echo " + SECRET, "echo __PH__"),
                Arguments.of("substitution in Basic, back to the client's token",
                        new Injection.Substitute("__PH__", "KEY", EnumSet.of(Surface.HEADER)),
                        head("/", "Authorization", "Basic " + b64("git:__PH__")),
                        "got " + b64("git:" + SECRET), "got " + b64("git:__PH__")),
                Arguments.of("substitution in the path, percent-encoded",
                        new Injection.Substitute("__PH__", "KEY", EnumSet.of(Surface.PATH)),
                        head("/bot__PH__/send"), "404 /botsk-live%20%229%2F+=&x/send",
                        "404 /bot__PH__/send"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void echoesOfTheInjectedValueAreReplaced(String name, Injection injection, HttpHead in, String echoed,
            String expected) {
        ServiceDefinition s = ServiceDefinition.of("svc", "api.example.com", injection);
        ServiceValidator.validate(s);
        InjectorTest.Vault v = new InjectorTest.Vault().with("KEY", SECRET);
        InjectionResult r = Injector.apply(s, in, v);
        assertThat(r).isInstanceOf(InjectionResult.Applied.class);
        InjectionResult.Applied a = (InjectionResult.Applied) r;
        assertThat(a.injected()).isTrue();
        try (Redactions echoes = a.echoes()) {
            assertThat(scan(echoes, echoed)).isEqualTo(expected);
            assertThat(echoes.toString()).doesNotContain(SECRET);
        }
        v.assertAllWiped();
    }

    @org.junit.jupiter.api.Test
    void nothingInjectedNothingToScan() {
        ServiceDefinition s = ServiceDefinition.of("svc", "api.example.com",
                new Injection.Substitute("__PH__", "KEY", EnumSet.of(Surface.HEADER)));
        ServiceValidator.validate(s);
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(s, head("/"),
                new InjectorTest.Vault().with("KEY", SECRET));
        assertThat(a.injected()).isFalse();
        assertThat(a.echoes().isEmpty()).isTrue();
    }

    /** A value of unreserved bytes only (most API keys) has one form: its percent and JSON forms are itself. */
    @org.junit.jupiter.api.Test
    void aValueOfUnreservedBytesHasOneFormAndOthersHaveTheirEncodedForms() {
        ServiceDefinition s = ServiceDefinition.of("svc", "api.example.com", new Injection.Bearer("KEY"));
        ServiceValidator.validate(s);
        String plain = "sk-proj_AZaz09.~x";
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(s, head("/"),
                new InjectorTest.Vault().with("KEY", plain));
        try (Redactions echoes = a.echoes()) {
            assertThat(echoes.size()).isEqualTo(1);
            assertThat(scan(echoes, "k=" + plain + "&")).isEqualTo("k=[REDACTED:KEY]&");
        }
        InjectionResult.Applied b = (InjectionResult.Applied) Injector.apply(s, head("/"),
                new InjectorTest.Vault().with("KEY", SECRET));
        try (Redactions echoes = b.echoes()) {
            assertThat(echoes.size()).isGreaterThan(1); // raw, query, path segment and JSON forms differ
        }
    }
}
