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
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bitwarden} against {@link FakeBitwarden} (identity login with a machine-account access
 * token, the organization key decrypted from {@code encrypted_payload}, and the secret decrypted
 * client-side), opened through {@link SourceTypes}: login caching and re-login, wrong credentials,
 * missing and inaccessible secrets, throttling with the cache's backoff, down, TLS, tampered
 * ciphertext, and control characters passed through. Time is moved, never slept.
 */
class BitwardenSourceTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final FakeBitwarden bw = newFake();

    static FakeBitwarden newFake() {
        try {
            return new FakeBitwarden();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        bw.close();
    }

    SecretSource open(FakeBitwarden fake, String token, Map<String, Object> extra) {
        Map<String, Object> s = new LinkedHashMap<>(extra);
        s.putIfAbsent("identity_url", fake.identityUrl());
        s.putIfAbsent("api_url", fake.apiUrl());
        return SourceTypes.open("bw", SourceTypes.BITWARDEN, s, Map.of("access_token", token), new SourceTypes.Deps(clock, k -> null));
    }

    SecretSource open() {
        return open(bw, bw.accessToken(), Map.of());
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
    void logsInOnceDecryptsTheOrganizationKeyAndTheValueAndLogsInAgainNearExpiryOrAfterA401() throws Exception {
        String id = bw.putSecret("OPENAI_API_KEY", "sk-bitwarden-one");
        assertThat(bw.storedValue(id)).as("the store holds ciphertext only").startsWith("2.").doesNotContain("sk-bitwarden");
        SecretSource s = open();
        Fetched f = s.fetch(id);
        assertThat(text(f)).isEqualTo("sk-bitwarden-one");
        assertThat(f.version()).isEqualTo("2026-01-01T00:00:01Z");
        assertThat(text(s.fetch(id.toUpperCase(java.util.Locale.ROOT)))).as("ids are case-insensitive").isEqualTo("sk-bitwarden-one");
        assertThat(bw.logins).as("one login for both").hasValue(1);

        FakeBitwarden.Seen login = bw.seen().getFirst();
        assertThat(login.path()).isEqualTo("/identity/connect/token");
        assertThat(login.body()).contains("scope=api.secrets").contains("grant_type=client_credentials")
                .contains("client_id=" + bw.accessTokenId).contains("client_secret=" + bw.clientSecret);
        String keyPart = bw.accessToken().substring(bw.accessToken().indexOf(':') + 1);
        assertThat(bw.seen()).as("the access token's encryption key never leaves Keyway")
                .allSatisfy(r -> assertThat(r.body() + r.authorization() + r.path()).doesNotContain(keyPart));
        FakeBitwarden.Seen get = bw.seen().get(1);
        assertThat(get.path()).isEqualTo("/api/secrets/" + id);
        assertThat(get.authorization()).startsWith("Bearer ey");

        bw.updateValue(id, "sk-bitwarden-two");
        clock.advance(Duration.ofSeconds(3600 - 61));
        assertThat(text(s.fetch(id))).isEqualTo("sk-bitwarden-two");
        assertThat(bw.logins).hasValue(1);
        clock.advance(Duration.ofSeconds(2)); // within a minute of expires_in: a new login
        s.fetch(id);
        assertThat(bw.logins).hasValue(2);

        bw.bearers.clear(); // the bearer revoked behind our back: a 401 logs in once more
        assertThat(text(s.fetch(id))).isEqualTo("sk-bitwarden-two");
        assertThat(bw.logins).hasValue(3);
    }

    @Test
    void aWrongClientSecretOrAWrongEncryptionKeyIsAnAuthFailureThatQuotesNeitherSecret() throws Exception {
        String id = bw.putSecret("k", "v");
        String wrongSecret = bw.accessToken().replace(bw.clientSecret, "not-the-secret");
        SourceFailure f = failure(open(bw, wrongSecret, Map.of()), id);
        assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
        assertThat(f.getMessage()).contains("HTTP 400").contains("invalid_client").doesNotContain("not-the-secret");

        String keyPart = bw.accessToken().substring(bw.accessToken().indexOf(':') + 1);
        String otherKey = java.util.Base64.getEncoder().encodeToString(FakeBitwarden.bytes(16));
        SourceFailure g = failure(open(bw, bw.accessToken().replace(keyPart, otherKey), Map.of()), id);
        assertThat(g.kind()).isEqualTo(SourceFailure.Kind.AUTH);
        assertThat(g.getMessage()).contains("encrypted_payload does not decrypt").doesNotContain(otherKey)
                .doesNotContain(bw.clientSecret);
    }

    @Test
    void aMalformedAccessTokenIsRefusedWhenTheSourceIsSavedWithoutQuotingIt() {
        assertThatThrownBy(() -> open(bw, "0.not-a-uuid.s3cr3t-value:AAAA", Map.of())).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.getMessage()).contains("access token").doesNotContain("s3cr3t-value"));
        assertThatThrownBy(() -> SourceTypes.open("bw", SourceTypes.BITWARDEN, Map.of(), Map.of(), new SourceTypes.Deps(clock, k -> null)))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.getMessage()).contains("--access-token-file"));
        assertThatThrownBy(() -> open(bw, bw.accessToken(), Map.of("api_url", "ftp://x"))).isInstanceOf(KeywayException.class);
    }

    @Test
    void missingInaccessibleDownAndTampered() throws Exception {
        String id = bw.putSecret("k", "v");
        String hidden = bw.putInaccessibleSecret("k", "v");
        SecretSource s = open();
        SourceFailure missing = failure(s, "00000000-0000-4000-8000-000000000000");
        assertThat(missing.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(missing.getMessage()).contains("HTTP 404").contains("Resource not found.");
        assertThat(failure(s, hidden).kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);

        bw.forcedStatus = 503;
        assertThat(failure(s, id).kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        bw.forcedStatus = 0;

        bw.tamper(id);
        SourceFailure tampered = failure(s, id);
        assertThat(tampered.kind()).isEqualTo(SourceFailure.Kind.BAD_VALUE);
        assertThat(tampered.getMessage()).contains("MAC does not verify");

        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        SourceFailure down = failure(open(bw, bw.accessToken(), Map.of("identity_url", "http://127.0.0.1:" + port)), id);
        assertThat(down.kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        assertThat(down.getMessage()).contains("cannot connect to 127.0.0.1");
    }

    @Test
    void throttlingHonoursRetryAfterThroughTheCachesBackoff() throws Exception {
        String id = bw.putSecret("k", "sk-after-throttle");
        SecretSource s = open();
        bw.forcedStatus = 429;
        SourceFailure f = failure(s, id);
        assertThat(f.kind()).isEqualTo(SourceFailure.Kind.THROTTLED);
        assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(f.getMessage()).contains("quota exceeded");

        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        LinkedValues values = new LinkedValues(clock, tasks::add, () -> 0.0, (k, v, e) -> {}, 16);
        LinkedValues.Key key = new LinkedValues.Key("bw", id);
        LinkedValues.Lookup first = values.lookup(key, s, Duration.ofMinutes(5), Duration.ZERO);
        runAll(tasks);
        assertThat(((LinkedValues.Pending) first).result().join()).isInstanceOf(LinkedValues.Failed.class);
        int calls = bw.seen().size();
        bw.forcedStatus = 0;
        clock.advance(Duration.ofSeconds(6));
        assertThat(values.lookup(key, s, Duration.ofMinutes(5), Duration.ZERO)).as("within Retry-After: fails at once")
                .isInstanceOf(LinkedValues.Failed.class);
        assertThat(tasks).isEmpty();
        assertThat(bw.seen()).as("Bitwarden is not asked again within Retry-After").hasSize(calls);
        clock.advance(Duration.ofSeconds(1));
        LinkedValues.Lookup later = values.lookup(key, s, Duration.ofMinutes(5), Duration.ZERO);
        runAll(tasks);
        LinkedValues.Lookup done = ((LinkedValues.Pending) later).result().join();
        assertThat(done).isInstanceOfSatisfying(LinkedValues.Hit.class,
                h -> assertThat(new String(h.value(), StandardCharsets.UTF_8)).isEqualTo("sk-after-throttle"));
    }

    static void runAll(ArrayDeque<Runnable> tasks) {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    @Test
    void anUntrustedCertificateIsATlsFailureAndTheCaFileFixesIt() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("bitwarden CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        try (FakeBitwarden tls = new FakeBitwarden(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory())) {
            String id = tls.putSecret("k", "over-tls");
            SourceFailure f = failure(open(tls, tls.accessToken(), Map.of()), id);
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.TLS);
            assertThat(f.getMessage()).contains("TLS handshake with localhost failed").contains("--ca-file");
            Path caFile = dir.resolve("ca.pem");
            Files.writeString(caFile, ca.certificatePem());
            assertThat(text(open(tls, tls.accessToken(), Map.of("ca_file", caFile.toString())).fetch(id))).isEqualTo("over-tls");
        }
    }

    @Test
    void aValueWithControlCharactersIsReturnedAsStoredForTheInjectionRuleToRefuse() throws Exception {
        String id = bw.putSecret("k", "sk-a\r\nX-Injected: 1\u0000");
        assertThat(text(open().fetch(id))).isEqualTo("sk-a\r\nX-Injected: 1\u0000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not-a-uuid", "00000000-0000-4000-8000-00000000000", "00000000-0000-4000-8000-000000000000/x",
        "../secrets/00000000-0000-4000-8000-000000000000", "00000000000040008000000000000000"})
    void referencesOtherThanASecretIdAreRefused(String ref) {
        assertThatThrownBy(() -> open().checkRef(ref)).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
    }
}
