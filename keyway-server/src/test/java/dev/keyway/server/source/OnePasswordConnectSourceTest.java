package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.testing.MutableClock;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code 1password-connect} against {@link FakeOnePasswordConnect} (Connect API v1 as its reference
 * describes it), opened through {@link SourceTypes}: name and id resolution of vaults and items,
 * fields by label, id and section, the bearer token from the sealed secret or a file, the error
 * statuses, a store that is down, and values passed through unchanged for the injection rules.
 */
class OnePasswordConnectSourceTest {
    @TempDir
    Path dir;

    final FakeOnePasswordConnect op = newFake();
    final String prod = op.vault("Production");
    final String other = op.vault("Other");

    static FakeOnePasswordConnect newFake() {
        try {
            return new FakeOnePasswordConnect();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        op.close();
    }

    SecretSource open(Map<String, Object> settings, Map<String, String> secrets) {
        Map<String, Object> s = new LinkedHashMap<>(settings);
        s.putIfAbsent("connect_url", op.url());
        return SourceTypes.open("op", SourceTypes.ONEPASSWORD_CONNECT, s, secrets,
                new SourceTypes.Deps(new MutableClock(), k -> null));
    }

    SecretSource withToken(String token) {
        return open(Map.of(), Map.of("token", token));
    }

    static String text(Fetched f) {
        return new String(f.value(), StandardCharsets.UTF_8);
    }

    static SourceFailure.Kind kindOf(SecretSource s, String ref) {
        try {
            s.fetch(ref);
        } catch (SourceFailure f) {
            return f.kind();
        }
        throw new AssertionError("no failure for " + ref);
    }

    @Test
    void resolvesVaultAndItemByTitleAndPicksTheFieldByLabelIdOrSection() throws Exception {
        op.tokens.put("connect-token", List.of(prod));
        String item = op.item(prod, "OpenAI API", Map.of("credential", "sk-op-value", "staging.credential", "sk-op-staging"));
        SecretSource s = withToken("connect-token");
        assertThat(text(s.fetch("op://Production/OpenAI API/staging/credential"))).isEqualTo("sk-op-staging");
        assertThat(s.fetch("op://Production/OpenAI API/staging/credential").version()).isEqualTo("1");
        // "credential" exists twice (no section and in "staging"): ambiguous without a section
        assertThat(kindOf(s, "op://Production/OpenAI API/credential")).isEqualTo(SourceFailure.Kind.BAD_REF);

        String single = op.item(prod, "Stripe", Map.of("secret key", "sk_live_x"));
        assertThat(text(s.fetch("op://Production/Stripe/secret key"))).isEqualTo("sk_live_x");
        assertThat(text(s.fetch("op://" + prod + "/" + single + "/secret key"))).as("ids work too").isEqualTo("sk_live_x");
        op.update(single, "secret key", "sk_live_y");
        Fetched updated = s.fetch("op://Production/Stripe/secret key");
        assertThat(text(updated)).isEqualTo("sk_live_y");
        assertThat(updated.version()).isEqualTo("2");

        assertThat(op.seen()).anySatisfy(x -> {
            assertThat(x.path()).isEqualTo("/v1/vaults");
            assertThat(x.filter()).isEqualTo("name eq \"Production\"");
            assertThat(x.authorization()).isEqualTo("Bearer connect-token");
        });
        assertThat(op.seen()).anySatisfy(x -> {
            assertThat(x.path()).isEqualTo("/v1/vaults/" + prod + "/items");
            assertThat(x.filter()).isEqualTo("title eq \"Stripe\"");
        });
        assertThat(op.seen()).anySatisfy(x -> assertThat(x.path()).isEqualTo("/v1/vaults/" + prod + "/items/" + item));
    }

    @Test
    void tokenFromAFileIsReadAtEveryFetch() throws Exception {
        op.tokens.put("file-token-1", List.of(prod));
        op.item(prod, "K", Map.of("v", "value"));
        Path tokenFile = dir.resolve("op-token");
        Files.writeString(tokenFile, "file-token-1\n");
        SecretSource s = open(Map.of("token_file", tokenFile.toString()), Map.of());
        assertThat(text(s.fetch("op://Production/K/v"))).isEqualTo("value");
        Files.writeString(tokenFile, "file-token-2\n");
        assertThat(kindOf(s, "op://Production/K/v")).as("the rotated token is used at once").isEqualTo(SourceFailure.Kind.AUTH);
        op.tokens.put("file-token-2", List.of(prod));
        assertThat(text(s.fetch("op://Production/K/v"))).isEqualTo("value");
        assertThat(op.seen().getLast().authorization()).isEqualTo("Bearer file-token-2");
    }

    @Test
    void wrongTokenIs401AuthAndAVaultOutsideTheTokensGrantIsNotFoundOr403() throws Exception {
        op.tokens.put("good", List.of(prod));
        op.item(prod, "K", Map.of("v", "value"));
        String hidden = op.item(other, "H", Map.of("v", "hidden"));
        assertThatThrownBy(() -> withToken("wrong-token").fetch("op://Production/K/v")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("HTTP 401").contains("Invalid token signature").doesNotContain("wrong-token");
        });
        assertThat(kindOf(withToken("good"), "op://Other/H/v")).as("not listed for this token").isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThatThrownBy(() -> withToken("good").fetch("op://" + other + "/" + hidden + "/v"))
                .isInstanceOfSatisfying(SourceFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
                    assertThat(f.getMessage()).contains("HTTP 403");
                });
    }

    @Test
    void missingVaultItemFieldOrValueAreNotFoundOrBadValue() throws Exception {
        op.tokens.put("t", List.of(prod));
        Map<String, String> fields = new java.util.HashMap<>();
        fields.put("v", "value");
        fields.put("empty", null);
        op.item(prod, "K", fields);
        SecretSource s = withToken("t");
        assertThat(kindOf(s, "op://Nope/K/v")).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(kindOf(s, "op://Production/Nope/v")).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(kindOf(s, "op://Production/K/nope")).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(kindOf(s, "op://Production/K/nosection/v")).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(kindOf(s, "op://Production/K/empty")).isEqualTo(SourceFailure.Kind.BAD_VALUE);
        assertThat(kindOf(s, "op://" + "b".repeat(26) + "/K/v")).as("an unknown vault id: Connect's 404")
                .isEqualTo(SourceFailure.Kind.NOT_FOUND);
        op.item(prod, "K", Map.of("v", "twin"));
        assertThat(kindOf(s, "op://Production/K/v")).as("two items titled K").isEqualTo(SourceFailure.Kind.BAD_REF);
    }

    @Test
    void throttlingServerErrorsAndAServerThatIsDown() throws Exception {
        op.tokens.put("t", List.of(prod));
        op.item(prod, "K", Map.of("v", "value"));
        op.forcedStatus = 429;
        assertThat(kindOf(withToken("t"), "op://Production/K/v")).isEqualTo(SourceFailure.Kind.THROTTLED);
        op.forcedStatus = 503;
        assertThatThrownBy(() -> withToken("t").fetch("op://Production/K/v")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
            assertThat(f.getMessage()).contains("HTTP 503");
        });
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        SecretSource down = open(Map.of("connect_url", "http://127.0.0.1:" + port), Map.of("token", "t"));
        assertThat(kindOf(down, "op://Production/K/v")).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
    }

    @Test
    void aValueWithControlCharactersIsReturnedAsStoredForTheInjectionRuleToRefuse() throws Exception {
        op.tokens.put("t", List.of(prod));
        op.item(prod, "CRLF", Map.of("v", "sk-a\r\nX-Injected: 1"));
        assertThat(text(withToken("t").fetch("op://Production/CRLF/v"))).isEqualTo("sk-a\r\nX-Injected: 1");
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> open(Map.of(), Map.of())).isInstanceOf(KeywayException.class).hasMessageContaining("--token");
        assertThatThrownBy(() -> open(Map.of("connect_url", "ftp://x"), Map.of("token", "t"))).isInstanceOf(KeywayException.class)
                .hasMessageContaining("--connect-url");
        assertThatThrownBy(() -> SourceTypes.open("op", SourceTypes.ONEPASSWORD_CONNECT, Map.of("token_file", "/x"), Map.of(),
                new SourceTypes.Deps(new MutableClock(), k -> null))).isInstanceOf(KeywayException.class)
                .hasMessageContaining("--connect-url");
    }

    static Stream<Arguments> refs() {
        return Stream.of(
                Arguments.of("op://Production/OpenAI API/credential", "Production", "OpenAI API", null, "credential"),
                Arguments.of("op://v/i/s/f", "v", "i", "s", "f"),
                Arguments.of("op://v/i", null, null, null, null),
                Arguments.of("op://v/i/s/f/x", null, null, null, null),
                Arguments.of("op://v//f", null, null, null, null),
                Arguments.of("vault/item/field", null, null, null, null),
                Arguments.of("op://v/i\"/f", null, null, null, null),
                Arguments.of("op://v/i/f\n", null, null, null, null));
    }

    @ParameterizedTest
    @MethodSource("refs")
    void references(String ref, @Nullable String vault, @Nullable String item, @Nullable String section, @Nullable String field)
            throws Exception {
        if (vault == null) {
            assertThatThrownBy(() -> OnePasswordConnectSource.Ref.parse(ref)).isInstanceOfSatisfying(SourceFailure.class,
                    f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
            return;
        }
        assertThat(OnePasswordConnectSource.Ref.parse(ref))
                .isEqualTo(new OnePasswordConnectSource.Ref(vault, item, section, java.util.Objects.requireNonNull(field)));
    }
}
