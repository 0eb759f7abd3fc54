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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code azure-key-vault} against {@link FakeAzureKeyVault} (the Microsoft identity platform's client
 * credentials flow with a secret or a federated token, and Key Vault's Get Secret), opened through
 * {@link SourceTypes}: versions, token caching and re-minting, the federated token file re-read,
 * wrong secret, denied, disabled, missing, throttled with the cache's backoff, down, TLS, and values
 * passed through unchanged. Time is moved, never slept.
 */
class AzureKeyVaultSourceTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final FakeAzureKeyVault az = newFake();

    static FakeAzureKeyVault newFake() {
        try {
            return new FakeAzureKeyVault();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        az.close();
    }

    SecretSource open(Map<String, Object> extra, Map<String, String> secrets) {
        Map<String, Object> s = new LinkedHashMap<>(extra);
        s.putIfAbsent("tenant_id", FakeAzureKeyVault.TENANT);
        s.putIfAbsent("client_id", FakeAzureKeyVault.CLIENT_ID);
        s.putIfAbsent("authority_host", az.url());
        s.putIfAbsent("vault_url_template", az.url() + "/{vault}");
        return SourceTypes.open("az", SourceTypes.AZURE_KEY_VAULT, s, secrets, new SourceTypes.Deps(clock, k -> null));
    }

    SecretSource open() {
        return open(Map.of(), Map.of("client_secret", az.clientSecret));
    }

    static String text(Fetched f) {
        return new String(f.value(), StandardCharsets.UTF_8);
    }

    static SourceFailure failure(SecretSource s, String ref) {
        try {
            s.fetch(ref);
        } catch (SourceFailure f) {
            return f;
        }
        throw new AssertionError("no failure for " + ref);
    }

    @Test
    void readsLatestAndPinnedVersionsWithAClientSecretTokenCachedUntilItExpires() throws Exception {
        String v1 = az.addVersion("kw-prod", "openai-key", "sk-azure-one");
        String v2 = az.addVersion("kw-prod", "openai-key", "sk-azure-two");
        SecretSource s = open();
        Fetched latest = s.fetch("kw-prod/openai-key");
        assertThat(text(latest)).isEqualTo("sk-azure-two");
        assertThat(latest.version()).isEqualTo(v2);
        assertThat(text(s.fetch("kw-prod/openai-key/" + v1))).isEqualTo("sk-azure-one");
        assertThat(az.minted).as("one token for both").hasValue(1);
        FakeAzureKeyVault.Seen token = az.seen().getFirst();
        assertThat(token.path()).isEqualTo("/" + FakeAzureKeyVault.TENANT + "/oauth2/v2.0/token");
        assertThat(token.form()).containsEntry("grant_type", "client_credentials").containsEntry("scope", "https://vault.azure.net/.default")
                .containsEntry("client_id", FakeAzureKeyVault.CLIENT_ID).containsEntry("client_secret", az.clientSecret);
        FakeAzureKeyVault.Seen get = az.seen().get(1);
        assertThat(get.path()).isEqualTo("/kw-prod/secrets/openai-key");
        assertThat(get.query()).isEqualTo("api-version=7.5");
        assertThat(get.authorization()).isEqualTo("Bearer eyJ0eXAiOiJKV1QifQ.kv-1.sig");

        clock.advance(Duration.ofSeconds(3599 - 61));
        s.fetch("kw-prod/openai-key");
        assertThat(az.minted).hasValue(1);
        clock.advance(Duration.ofSeconds(2));
        s.fetch("kw-prod/openai-key");
        assertThat(az.minted).hasValue(2);

        az.tokens.clear(); // revoked behind our back: a 401 mints once more
        assertThat(text(s.fetch("kw-prod/openai-key"))).isEqualTo("sk-azure-two");
        assertThat(az.minted).hasValue(3);
    }

    @Test
    void aFederatedTokenFileIsSentAsTheClientAssertionAndReReadWhenItIsRotated() throws Exception {
        az.addVersion("kw-prod", "db-password", "pw-1");
        Path file = dir.resolve("azure-identity-token");
        Files.writeString(file, az.federatedToken + "\n");
        SecretSource s = open(Map.of("federated_token_file", file.toString()), Map.of());
        assertThat(text(s.fetch("kw-prod/db-password"))).isEqualTo("pw-1");
        FakeAzureKeyVault.Seen token = az.seen().getFirst();
        assertThat(token.form()).containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .containsEntry("client_assertion", az.federatedToken).doesNotContainKey("client_secret");

        az.federatedToken = "eyJhbGciOiJSUzI1NiJ9.e30.federated-2"; // kubelet rotated the projected token
        Files.writeString(file, az.federatedToken);
        clock.advance(Duration.ofHours(1));
        assertThat(text(s.fetch("kw-prod/db-password"))).isEqualTo("pw-1");
        assertThat(az.seen().stream().filter(x -> x.path().endsWith("/token")).toList().getLast().form())
                .containsEntry("client_assertion", "eyJhbGciOiJSUzI1NiJ9.e30.federated-2");

        az.federatedToken = "eyJhbGciOiJSUzI1NiJ9.e30.federated-3"; // the file is stale: Entra refuses it
        clock.advance(Duration.ofHours(1));
        SourceFailure f = failure(s, "kw-prod/db-password");
        assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
        assertThat(f.getMessage()).contains("HTTP 400").contains("invalid_client").contains("AADSTS700213")
                .doesNotContain("Trace ID").doesNotContain("federated-2");
    }

    @Test
    void aWrongSecretADeniedApplicationAndADisabledSecretAreAuthFailures() throws Exception {
        az.addVersion("kw-prod", "k", "v");
        SourceFailure wrong = failure(open(Map.of(), Map.of("client_secret", "not-the-secret")), "kw-prod/k");
        assertThat(wrong.kind()).isEqualTo(SourceFailure.Kind.AUTH);
        assertThat(wrong.getMessage()).contains("HTTP 401").contains("AADSTS7000215").doesNotContain("not-the-secret");

        az.granted = false;
        SourceFailure denied = failure(open(), "kw-prod/k");
        assertThat(denied.kind()).isEqualTo(SourceFailure.Kind.AUTH);
        assertThat(denied.getMessage()).contains("HTTP 403").contains("Forbidden/ForbiddenByRbac");
        az.granted = true;

        az.disableLatest("kw-prod", "k");
        SourceFailure disabled = failure(open(), "kw-prod/k");
        assertThat(disabled.kind()).isEqualTo(SourceFailure.Kind.AUTH);
        assertThat(disabled.getMessage()).contains("SecretDisabled");
    }

    @Test
    void missingDownAndThrottledWithTheCachesBackoff() throws Exception {
        az.addVersion("kw-prod", "k", "sk-after-throttle");
        SecretSource s = open();
        SourceFailure missing = failure(s, "kw-prod/nope");
        assertThat(missing.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(missing.getMessage()).contains("SecretNotFound").contains("was not found in this key vault");
        assertThat(failure(s, "kw-prod/k/0123456789abcdef0123456789abcdef").kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);

        az.forcedStatus = 503;
        assertThat(failure(s, "kw-prod/k").kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        az.forcedStatus = 429;
        SourceFailure throttled = failure(s, "kw-prod/k");
        assertThat(throttled.kind()).isEqualTo(SourceFailure.Kind.THROTTLED);
        assertThat(throttled.retryAfter()).isEqualTo(Duration.ofSeconds(9));
        assertThat(throttled.getMessage()).contains("Throttled");

        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        LinkedValues values = new LinkedValues(clock, tasks::add, () -> 0.0, (k, v, e) -> {}, 16);
        LinkedValues.Key key = new LinkedValues.Key("az", "kw-prod/k");
        LinkedValues.Lookup first = values.lookup(key, s, Duration.ofMinutes(5), Duration.ZERO);
        BitwardenSourceTest.runAll(tasks);
        assertThat(((LinkedValues.Pending) first).result().join()).isInstanceOf(LinkedValues.Failed.class);
        int calls = az.seen().size();
        az.forcedStatus = 0;
        clock.advance(Duration.ofSeconds(8));
        assertThat(values.lookup(key, s, Duration.ofMinutes(5), Duration.ZERO)).isInstanceOf(LinkedValues.Failed.class);
        assertThat(az.seen()).as("Key Vault is not asked again within Retry-After").hasSize(calls);
        clock.advance(Duration.ofSeconds(1));
        LinkedValues.Lookup later = values.lookup(key, s, Duration.ofMinutes(5), Duration.ZERO);
        BitwardenSourceTest.runAll(tasks);
        assertThat(((LinkedValues.Pending) later).result().join()).isInstanceOfSatisfying(LinkedValues.Hit.class,
                h -> assertThat(new String(h.value(), StandardCharsets.UTF_8)).isEqualTo("sk-after-throttle"));

        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        SourceFailure down = failure(open(Map.of("authority_host", "http://127.0.0.1:" + port), Map.of("client_secret", "x")), "kw-prod/k");
        assertThat(down.kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        assertThat(down.getMessage()).contains("cannot connect to 127.0.0.1");
    }

    @Test
    void anUntrustedVaultCertificateIsATlsFailure() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("private CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        try (MockWebServer tls = new MockWebServer()) {
            tls.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
            tls.start();
            SourceFailure f = failure(open(Map.of("vault_url_template", "https://localhost:" + tls.getPort() + "/{vault}"),
                    Map.of("client_secret", az.clientSecret)), "kw-prod/k");
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.TLS);
            assertThat(f.getMessage()).contains("TLS handshake with localhost failed");
        }
    }

    @Test
    void aValueWithControlCharactersIsReturnedAsStoredForTheInjectionRuleToRefuse() throws Exception {
        az.addVersion("kw-prod", "crlf", "sk-a\r\nX-Injected: 1");
        assertThat(text(open().fetch("kw-prod/crlf"))).isEqualTo("sk-a\r\nX-Injected: 1");
    }

    @Test
    void settingsAreValidatedWhenTheSourceIsSaved() {
        assertThatThrownBy(() -> open(Map.of(), Map.of())).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.getMessage()).contains("--client-secret-file").contains("--federated-token-file"));
        assertThatThrownBy(() -> open(Map.of("federated_token_file", "/f"), Map.of("client_secret", "s")))
                .isInstanceOf(KeywayException.class);
        assertThatThrownBy(() -> open(Map.of("tenant_id", "not a tenant"), Map.of("client_secret", "s")))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.getMessage()).contains("--tenant-id"));
        assertThatThrownBy(() -> open(Map.of("client_id", "app"), Map.of("client_secret", "s")))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.getMessage()).contains("--client-id"));
        assertThatThrownBy(() -> open(Map.of("vault_url_template", "https://kv.example.com"), Map.of("client_secret", "s")))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.getMessage()).contains("{vault}"));
        assertThatThrownBy(() -> open(Map.of("vault_suffix", "https://vault.azure.cn"), Map.of("client_secret", "s")))
                .isInstanceOf(KeywayException.class);
        AzureKeyVaultSource cn = (AzureKeyVaultSource) SourceTypes.open("cn", SourceTypes.AZURE_KEY_VAULT,
                Map.of("tenant_id", "contoso.partner.onmschina.cn", "client_id", FakeAzureKeyVault.CLIENT_ID,
                        "vault_suffix", "vault.azure.cn"), Map.of("client_secret", "s"), new SourceTypes.Deps(clock, k -> null));
        assertThat(cn.scope()).isEqualTo("https://vault.azure.cn/.default");
        assertThat(cn.toString()).contains("https://{vault}.vault.azure.cn").doesNotContain("ClientSecret[s");
    }

    static Stream<Arguments> refs() {
        return Stream.of(
                Arguments.of("kw-prod/openai-key", "kw-prod", "openai-key", null),
                Arguments.of("KW-Prod/k/0123456789ABCDEF0123456789abcdef", "kw-prod", "k", "0123456789ABCDEF0123456789abcdef"),
                Arguments.of("abc/s", "abc", "s", null),
                Arguments.of("ab/s", null, null, null),
                Arguments.of("a-very-long-vault-name-25/s", null, null, null),
                Arguments.of("kw--prod/s", null, null, null),
                Arguments.of("1vault/s", null, null, null),
                Arguments.of("vault-/s", null, null, null),
                Arguments.of("kw-prod/has_underscore", null, null, null),
                Arguments.of("kw-prod/k/123", null, null, null),
                Arguments.of("kw-prod/k/0123456789abcdef0123456789abcdef/x", null, null, null),
                Arguments.of("kw-prod", null, null, null),
                Arguments.of("kw-prod/../x", null, null, null));
    }

    @ParameterizedTest
    @MethodSource("refs")
    void references(String ref, @Nullable String vault, @Nullable String secret, @Nullable String version) throws Exception {
        if (vault == null) {
            assertThatThrownBy(() -> AzureKeyVaultSource.Ref.parse(ref)).isInstanceOfSatisfying(SourceFailure.class,
                    f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
            return;
        }
        assertThat(AzureKeyVaultSource.Ref.parse(ref)).isEqualTo(new AzureKeyVaultSource.Ref(vault, java.util.Objects.requireNonNull(secret),
                version));
    }
}
