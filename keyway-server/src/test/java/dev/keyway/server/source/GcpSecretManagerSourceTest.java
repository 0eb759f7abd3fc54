package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.testing.MutableClock;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
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
 * {@code gcp-secret-manager} against {@link FakeGcpSecretManager} (Google's OAuth 2.0 JWT-bearer
 * token endpoint with the signature verified, and Secret Manager's {@code :access}), opened through
 * {@link SourceTypes}: versions, token caching and re-minting, wrong key, denied, missing,
 * throttled, down, a corrupted payload, and values passed through unchanged. Time is moved, never slept.
 */
class GcpSecretManagerSourceTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final FakeGcpSecretManager gcp = newFake();

    static FakeGcpSecretManager newFake() {
        try {
            return new FakeGcpSecretManager();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        gcp.close();
    }

    SecretSource open(Map<String, Object> extra) throws Exception {
        Path key = dir.resolve("key.json");
        if (!Files.exists(key)) {
            Files.writeString(key, gcp.keyFileJson());
        }
        Map<String, Object> s = new LinkedHashMap<>(extra);
        s.putIfAbsent("credentials_file", key.toString());
        s.putIfAbsent("endpoint", gcp.url());
        return SourceTypes.open("gcp", SourceTypes.GCP_SECRET_MANAGER, s, Map.of(), new SourceTypes.Deps(clock, k -> null));
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
    void accessesLatestAndPinnedVersionsWithAJwtBearerTokenThatIsCachedUntilItExpires() throws Exception {
        gcp.addVersion("my-project", "openai", "sk-gcp-one");
        gcp.addVersion("my-project", "openai", "sk-gcp-two");
        SecretSource s = open(Map.of());
        Fetched latest = s.fetch("projects/my-project/secrets/openai");
        assertThat(text(latest)).isEqualTo("sk-gcp-two");
        assertThat(latest.version()).isEqualTo("2");
        assertThat(text(s.fetch("projects/my-project/secrets/openai/versions/1"))).isEqualTo("sk-gcp-one");
        assertThat(text(s.fetch("projects/my-project/secrets/openai/versions/latest"))).isEqualTo("sk-gcp-two");
        assertThat(gcp.minted).as("one token for all three").hasValue(1);
        FakeGcpSecretManager.Seen token = gcp.seen().getFirst();
        assertThat(token.path()).isEqualTo("/token");
        assertThat(token.claims().path("iss").asString()).isEqualTo(FakeGcpSecretManager.EMAIL);
        assertThat(token.claims().path("scope").asString()).isEqualTo("https://www.googleapis.com/auth/cloud-platform");
        assertThat(gcp.seen().get(1).path()).isEqualTo("/v1/projects/my-project/secrets/openai/versions/latest:access");
        assertThat(gcp.seen().get(1).authorization()).isEqualTo("Bearer ya29.fake-1");

        clock.advance(Duration.ofSeconds(3599 - 61));
        s.fetch("projects/my-project/secrets/openai");
        assertThat(gcp.minted).hasValue(1);
        clock.advance(Duration.ofSeconds(2)); // within a minute of expiry: a new token
        s.fetch("projects/my-project/secrets/openai");
        assertThat(gcp.minted).hasValue(2);

        gcp.tokens.clear(); // tokens revoked behind our back: a 401 mints once more
        assertThat(text(s.fetch("projects/my-project/secrets/openai"))).isEqualTo("sk-gcp-two");
        assertThat(gcp.minted).hasValue(3);
    }

    @Test
    void aKeyTheAccountNoLongerHasAndADeniedAccountAreAuthFailures() throws Exception {
        gcp.addVersion("p", "s", "v");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        gcp.accepted = g.generateKeyPair().getPublic(); // the key in the file was deleted from the account
        assertThatThrownBy(() -> open(Map.of()).fetch("projects/p/secrets/s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("HTTP 400").contains("invalid_grant").doesNotContain("PRIVATE KEY");
        });
        gcp.accepted = gcp.keys.getPublic();
        gcp.allowed = false;
        assertThatThrownBy(() -> open(Map.of()).fetch("projects/p/secrets/s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("HTTP 403").contains("PERMISSION_DENIED");
        });
        Path notAKey = dir.resolve("user.json");
        Files.writeString(notAKey, "{\"type\":\"authorized_user\",\"client_id\":\"x\"}");
        assertThat(kindOf(open(Map.of("credentials_file", notAKey.toString())), "projects/p/secrets/s"))
                .isEqualTo(SourceFailure.Kind.AUTH);
    }

    @Test
    void missingThrottledDownAndCorrupted() throws Exception {
        gcp.addVersion("p", "s", "v");
        SecretSource s = open(Map.of());
        assertThatThrownBy(() -> s.fetch("projects/p/secrets/nope")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);
            assertThat(f.getMessage()).contains("not found or has no versions");
        });
        assertThat(kindOf(s, "projects/p/secrets/s/versions/9")).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        gcp.forcedStatus = 429;
        assertThat(kindOf(s, "projects/p/secrets/s")).isEqualTo(SourceFailure.Kind.THROTTLED);
        gcp.forcedStatus = 503;
        assertThat(kindOf(s, "projects/p/secrets/s")).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        gcp.forcedStatus = 0;
        gcp.corruptCrc = true;
        assertThat(kindOf(s, "projects/p/secrets/s")).isEqualTo(SourceFailure.Kind.BAD_VALUE);
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        assertThat(kindOf(open(Map.of("endpoint", "http://127.0.0.1:" + port)), "projects/p/secrets/s"))
                .isEqualTo(SourceFailure.Kind.UNAVAILABLE);
    }

    @Test
    void aValueWithControlCharactersIsReturnedAsStoredForTheInjectionRuleToRefuse() throws Exception {
        gcp.addVersion("p", "crlf", "sk-a\r\nX-Injected: 1");
        assertThat(text(open(Map.of()).fetch("projects/p/secrets/crlf"))).isEqualTo("sk-a\r\nX-Injected: 1");
    }

    static Stream<Arguments> refs() {
        return Stream.of(
                Arguments.of("projects/my-project/secrets/openai", "my-project", "openai", "latest"),
                Arguments.of("projects/123456789012/secrets/db_pw/versions/7", "123456789012", "db_pw", "7"),
                Arguments.of("projects/p/secrets/s/versions/latest", "p", "s", "latest"),
                Arguments.of("projects/p/secrets/s/versions/", null, null, null),
                Arguments.of("projects/p/secrets/s/versions/../x", null, null, null),
                Arguments.of("projects/p/secrets/s:access", null, null, null),
                Arguments.of("p/s", null, null, null),
                Arguments.of("projects/P/secrets/s", null, null, null));
    }

    @ParameterizedTest
    @MethodSource("refs")
    void references(String ref, @Nullable String project, @Nullable String secret, @Nullable String version) throws Exception {
        if (project == null) {
            assertThatThrownBy(() -> GcpSecretManagerSource.Ref.parse(ref)).isInstanceOfSatisfying(SourceFailure.class,
                    f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
            return;
        }
        assertThat(GcpSecretManagerSource.Ref.parse(ref))
                .isEqualTo(new GcpSecretManagerSource.Ref(project, java.util.Objects.requireNonNull(secret),
                        java.util.Objects.requireNonNull(version)));
    }

    SecretSource metadataSource(Map<String, Object> settings) {
        Map<String, Object> st = new LinkedHashMap<>(settings);
        st.putIfAbsent("endpoint", gcp.url());
        String host = "127.0.0.1:" + gcp.server.getPort();
        return SourceTypes.open("gcp", SourceTypes.GCP_SECRET_MANAGER, st, Map.of(),
                new SourceTypes.Deps(clock, k -> k.equals("GCE_METADATA_HOST") ? host : null));
    }

    /** Google's metadata server ("Authenticate using the metadata server"), its host from GCE_METADATA_HOST. */
    @Test
    void withoutAKeyFileTheMetadataServerTokenIsUsedWithItsHeaderAndCachedUntilItExpires() throws Exception {
        gcp.addVersion("my-project", "openai", "sk-from-metadata");
        for (Map<String, Object> settings : List.<Map<String, Object>>of(Map.of(), Map.of("metadata", "true"))) {
            gcp.minted.set(0);
            SecretSource s = metadataSource(settings);
            assertThat(text(s.fetch("projects/my-project/secrets/openai"))).isEqualTo("sk-from-metadata");
            assertThat(gcp.metadataFlavors).isNotEmpty().allMatch("Google"::equals);
            assertThat(gcp.seen().getLast().authorization()).isEqualTo("Bearer ya29.metadata-1");
            clock.advance(Duration.ofSeconds(3599 - 61));
            s.fetch("projects/my-project/secrets/openai");
            assertThat(gcp.minted).as("cached until a minute before expires_in").hasValue(1);
            clock.advance(Duration.ofSeconds(2));
            s.fetch("projects/my-project/secrets/openai");
            assertThat(gcp.minted).hasValue(2);
            gcp.tokens.clear(); // a 401: asked again once
            assertThat(text(s.fetch("projects/my-project/secrets/openai"))).isEqualTo("sk-from-metadata");
            assertThat(gcp.minted).hasValue(3);
        }
    }

    @Test
    void metadataServerFailuresArePrecise() throws Exception {
        gcp.addVersion("p", "s", "v");
        gcp.attached = false;
        assertThatThrownBy(() -> metadataSource(Map.of()).fetch("projects/p/secrets/s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("metadata server").contains("HTTP 404").contains("no service account is attached");
        });
        gcp.attached = true;
        gcp.allowed = false;
        assertThat(kindOf(metadataSource(Map.of()), "projects/p/secrets/s")).isEqualTo(SourceFailure.Kind.AUTH);
        // an answer without Metadata-Flavor: Google is not from a metadata server (e.g. a captive portal or another service)
        try (mockwebserver3.MockWebServer other = new mockwebserver3.MockWebServer()) {
            other.enqueue(new mockwebserver3.MockResponse.Builder().code(200)
                    .body("{\"access_token\":\"ya29.impostor\",\"expires_in\":3599}").build());
            other.start();
            SecretSource s = SourceTypes.open("gcp", SourceTypes.GCP_SECRET_MANAGER, Map.of("endpoint", gcp.url()), Map.of(),
                    new SourceTypes.Deps(clock, k -> k.equals("GCE_METADATA_HOST") ? "127.0.0.1:" + other.getPort() : null));
            assertThatThrownBy(() -> s.fetch("projects/p/secrets/s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
                assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
                assertThat(f.getMessage()).contains("no Metadata-Flavor: Google header");
            });
        }
        // nothing listens: unavailable
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        SecretSource down = SourceTypes.open("gcp", SourceTypes.GCP_SECRET_MANAGER, Map.of("endpoint", gcp.url()), Map.of(),
                new SourceTypes.Deps(clock, k -> k.equals("GCE_METADATA_HOST") ? "127.0.0.1:" + port : null));
        assertThat(kindOf(down, "projects/p/secrets/s")).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        // a key file and --metadata together, or --token-url without a key file, are refused when saved
        assertThatThrownBy(() -> open(Map.of("metadata", "true"))).hasMessageContaining("either --credentials-file or --metadata");
        assertThatThrownBy(() -> metadataSource(Map.of("token_url", gcp.url() + "/token"))).hasMessageContaining("--token-url goes with");
    }

    /** The fake itself follows the documented rule: no Metadata-Flavor header, 403. */
    @Test
    void theFakeMetadataServerRefusesARequestWithoutItsHeader() throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(gcp.url() + GcpSecretManagerSource.METADATA_TOKEN_PATH)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(gcp.minted).hasValue(0);
    }
}
