package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.testing.MutableClock;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code hashicorp-vault} adapter against {@link FakeVault} (Vault's HTTP API as its
 * documentation describes it): KV v2 and v1 reads, namespaces, the error statuses, TLS, token file
 * re-reading, AppRole login and re-login, renew-self at half the TTL. Time is moved, never slept.
 */
class VaultKvSourceTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final FakeVault vault = newVault();

    static FakeVault newVault() {
        try {
            return new FakeVault();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    VaultKvSource source(int kv, VaultKvSource.Auth auth, String namespace) {
        return new VaultKvSource("v", URI.create(vault.url()), namespace, null, kv, auth, clock);
    }

    static String text(Fetched f) {
        return new String(f.value(), StandardCharsets.UTF_8);
    }

    @Test
    void readsKv2LatestAndPinnedVersionsAndKv1WithTokenAndNamespaceHeaders() throws Exception {
        vault.tokens.put("root", 0L);
        vault.putV2("secret/app", Map.of("api_key", "first"));
        vault.putV2("secret/app", Map.of("api_key", "second"));
        vault.putV1("kv/legacy", Map.of("pw", "old-style"));
        VaultKvSource v2 = source(2, new VaultKvSource.StaticToken("root"), "team-a");
        Fetched latest = v2.fetch("secret/app#api_key");
        assertThat(text(latest)).isEqualTo("second");
        assertThat(latest.version()).isEqualTo("2");
        assertThat(text(v2.fetch("secret/app#api_key?version=1"))).isEqualTo("first");
        assertThat(vault.seen()).anySatisfy(s -> {
            assertThat(s.target()).isEqualTo("/v1/secret/data/app?version=1");
            assertThat(s.token()).isEqualTo("root");
            assertThat(s.namespace()).isEqualTo("team-a");
        });
        VaultKvSource v1 = source(1, new VaultKvSource.StaticToken("root"), null);
        assertThat(text(v1.fetch("kv/legacy#pw"))).isEqualTo("old-style");
        assertThatThrownBy(() -> v1.fetch("kv/legacy#pw?version=2")).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
        assertThatThrownBy(() -> v2.fetch("secret/app#missing_field")).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND));
    }

    @Test
    void mapsVaultErrorsToPreciseKinds() throws Exception {
        vault.tokens.put("root", 0L);
        vault.putV2("secret/app", Map.of("k", "v"));
        VaultKvSource s = source(2, new VaultKvSource.StaticToken("root"), null);
        assertThatThrownBy(() -> s.fetch("secret/nope#k")).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND));
        VaultKvSource wrong = source(2, new VaultKvSource.StaticToken("not-a-token"), null);
        assertThatThrownBy(() -> wrong.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("HTTP 403").contains("permission denied").doesNotContain("not-a-token");
        });
        vault.fail("/v1/secret/", 429, "rate limit quota exceeded", "7");
        assertThatThrownBy(() -> s.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.THROTTLED);
            assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        });
        vault.fail("/v1/secret/", 503, "Vault is sealed", null);
        assertThatThrownBy(() -> s.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
            assertThat(f.getMessage()).contains("Vault is sealed");
        });
    }

    @Test
    void connectionRefusedIsUnavailable() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        VaultKvSource s = new VaultKvSource("v", URI.create("http://127.0.0.1:" + port), null, null, 2,
                new VaultKvSource.StaticToken("t"), clock);
        assertThatThrownBy(() -> s.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.UNAVAILABLE));
    }

    @Test
    void tlsWithAnUntrustedCertificateIsATlsFailureAndTheCaFileFixesIt() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("vault CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        HeldCertificate other = new HeldCertificate.Builder().certificateAuthority(0).commonName("other CA").ecdsa256().build();
        try (MockWebServer tls = new MockWebServer()) {
            tls.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
            tls.enqueue(new MockResponse.Builder().code(200).body("{\"data\":{\"ttl\":0}}").build());
            tls.enqueue(new MockResponse.Builder().code(200)
                    .body("{\"data\":{\"data\":{\"k\":\"over-tls\"},\"metadata\":{\"version\":1}}}").build());
            tls.start();
            Path wrongCa = dir.resolve("other.pem");
            Files.writeString(wrongCa, other.certificatePem());
            URI addr = URI.create("https://localhost:" + tls.getPort());
            VaultKvSource untrusted = new VaultKvSource("v", addr, null, wrongCa, 2, new VaultKvSource.StaticToken("t"), clock);
            assertThatThrownBy(() -> untrusted.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class,
                    f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.TLS));
            Path rightCa = dir.resolve("ca.pem");
            Files.writeString(rightCa, ca.certificatePem());
            VaultKvSource trusted = new VaultKvSource("v", addr, null, rightCa, 2, new VaultKvSource.StaticToken("t"), clock);
            assertThat(text(trusted.fetch("secret/app#k"))).isEqualTo("over-tls");
        }
    }

    @Test
    void tokenFileIsReReadWhenItChangesAndRenewedAtHalfItsTtl() throws Exception {
        vault.tokens.put("first-token", 100L);
        vault.tokens.put("second-token", 100L);
        vault.putV2("secret/app", Map.of("k", "v"));
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "first-token\n");
        VaultKvSource s = source(2, new VaultKvSource.TokenFile(tokenFile), null);
        s.fetch("secret/app#k");
        assertThat(vault.seen().getLast().token()).isEqualTo("first-token");
        clock.advance(Duration.ofSeconds(49));
        s.fetch("secret/app#k");
        assertThat(vault.renewals).as("before half the TTL").hasValue(0);
        clock.advance(Duration.ofSeconds(1));
        s.fetch("secret/app#k");
        assertThat(vault.renewals).as("at half the TTL").hasValue(1);

        Files.writeString(tokenFile, "second-token-x\n"); // a different size, so the change is seen even within one mtime tick
        Files.writeString(tokenFile, "second-token\n");
        Files.setLastModifiedTime(tokenFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        s.fetch("secret/app#k");
        assertThat(vault.seen().getLast().token()).isEqualTo("second-token");
    }

    @Test
    void appRoleLogsInAndLogsInAgainBeforeTheTokenExpires() throws Exception {
        vault.roleId = "role-1";
        vault.secretId = "secret-id-1";
        vault.putV2("secret/app", Map.of("k", "v"));
        Path secretIdFile = dir.resolve("secret-id");
        Files.writeString(secretIdFile, "secret-id-1\n");
        VaultKvSource s = source(2, new VaultKvSource.AppRole("approle", "role-1", secretIdFile, null), null);
        assertThat(text(s.fetch("secret/app#k"))).isEqualTo("v");
        assertThat(vault.logins).hasValue(1);
        assertThat(vault.seen().getLast().token()).isEqualTo("hvs.approle-1");
        clock.advance(Duration.ofSeconds(44)); // lease 60 s: before 3/4 of it, the token is kept
        s.fetch("secret/app#k");
        assertThat(vault.logins).hasValue(1);
        clock.advance(Duration.ofSeconds(1)); // 3/4 of the lease: log in again before it ends
        s.fetch("secret/app#k");
        assertThat(vault.logins).hasValue(2);
        assertThat(vault.seen().getLast().token()).isEqualTo("hvs.approle-2");

        vault.tokens.remove("hvs.approle-2"); // revoked behind our back: a 403 triggers one new login
        assertThat(text(s.fetch("secret/app#k"))).isEqualTo("v");
        assertThat(vault.logins).hasValue(3);

        vault.secretId = "rotated";
        vault.tokens.clear();
        assertThatThrownBy(() -> s.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isIn(SourceFailure.Kind.AUTH, SourceFailure.Kind.BAD_REF));
    }

    /** Vault's "Kubernetes auth method (API)": Login ({@code POST /v1/auth/:mount/login}, {@code role} and {@code jwt}). */
    @Test
    void kubernetesLogsInWithTheRotatedJwtAndLogsInAgainBeforeTheLeaseEndsOrAfterA403() throws Exception {
        vault.k8sMount = "k8s/prod";
        vault.k8sRole = "keyway";
        vault.k8sJwt = "eyJhbGciOiJSUzI1NiJ9.first.sig";
        vault.k8sRenewable = false; // token_max_ttl = token_ttl: the lease cannot be renewed, only logged in again
        vault.putV2("secret/app", Map.of("k", "v"));
        Path jwt = dir.resolve("token");
        Files.writeString(jwt, "eyJhbGciOiJSUzI1NiJ9.first.sig");
        VaultKvSource s = source(2, new VaultKvSource.Kubernetes("k8s/prod", "keyway", jwt), null);
        assertThat(text(s.fetch("secret/app#k"))).isEqualTo("v");
        assertThat(vault.k8sLogins).hasValue(1);
        assertThat(vault.seen()).anySatisfy(x -> {
            assertThat(x.method()).isEqualTo("POST");
            assertThat(x.target()).isEqualTo("/v1/auth/k8s/prod/login");
        });
        clock.advance(Duration.ofSeconds(44)); // lease 60 s: kept before 3/4 of it
        s.fetch("secret/app#k");
        assertThat(vault.k8sLogins).hasValue(1);

        // the kubelet rotated the projected token: the next login must read the file again
        vault.k8sJwt = "eyJhbGciOiJSUzI1NiJ9.second.sig";
        Files.writeString(jwt, "eyJhbGciOiJSUzI1NiJ9.second.sig\n");
        clock.advance(Duration.ofSeconds(1));
        assertThat(text(s.fetch("secret/app#k"))).isEqualTo("v");
        assertThat(vault.k8sLogins).hasValue(2);
        assertThat(vault.seen().getLast().token()).isEqualTo("hvs.k8s-2");

        vault.tokens.remove("hvs.k8s-2"); // revoked behind our back: one new login after the 403
        assertThat(text(s.fetch("secret/app#k"))).isEqualTo("v");
        assertThat(vault.k8sLogins).hasValue(3);
    }

    @Test
    void kubernetesLoginRefusalsAreAuthFailuresThatNameTheRoleNeverTheJwt() throws Exception {
        vault.k8sRole = "keyway";
        vault.k8sJwt = "eyJ.accepted.sig";
        vault.putV2("secret/app", Map.of("k", "v"));
        Path jwt = dir.resolve("token");
        Files.writeString(jwt, "eyJ.stale.sig");
        VaultKvSource badJwt = source(2, new VaultKvSource.Kubernetes("kubernetes", "keyway", jwt), null);
        assertThatThrownBy(() -> badJwt.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("Kubernetes login (role keyway)").contains("HTTP 403").contains("permission denied")
                    .doesNotContain("eyJ");
        });
        VaultKvSource badRole = source(2, new VaultKvSource.Kubernetes("kubernetes", "nope", jwt), null);
        assertThatThrownBy(() -> badRole.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("HTTP 400").contains("invalid role name");
        });
        VaultKvSource noFile = source(2, new VaultKvSource.Kubernetes("kubernetes", "keyway", dir.resolve("absent")), null);
        assertThatThrownBy(() -> noFile.fetch("secret/app#k")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("Kubernetes service account token file");
        });
    }
}
