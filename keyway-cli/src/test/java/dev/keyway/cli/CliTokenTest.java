package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway token create|list|revoke}: the token is printed once and never listed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTokenTest {
    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    @Test
    void createPrintsTheTokenAloneOnOneLine() {
        var r = kw.cli("token", "create", "--display-name", "agent-1", "--ttl", "30m").ok();
        assertThat(r.out()).matches("kw_tok_[A-Za-z0-9_-]+\n");
        assertThat(r.err()).isEmpty();
        String token = r.out().strip();

        var table = kw.cli("token", "list").ok();
        assertThat(table.out()).contains("agent-1").doesNotContain(token);
        var json = kw.cli("token", "list", "--json").ok();
        assertThat(json.out()).doesNotContain(token);
        assertThat(json.json().findValuesAsString("display_name")).contains("agent-1");
    }

    @Test
    void createJsonHasTokenIdAccessorExpiry() {
        JsonNode t = kw.cli("token", "create", "--json", "--display-name", "json-agent").ok().json();
        assertThat(t.get("token").asString()).startsWith("kw_tok_");
        assertThat(t.get("id").asString()).isNotBlank();
        assertThat(t.get("accessor").asString()).isNotBlank();
        assertThat(java.time.Instant.parse(t.get("expires_at").asString())).isAfter(java.time.Instant.now());
        assertThat(t.get("vault").asString()).isEqualTo("default");
    }

    @Test
    void revokeByAccessor() {
        kw.cli("vault", "create", "tok-vault").ok();
        JsonNode t = kw.cli("token", "create", "--vault", "tok-vault", "--json").ok().json();
        String accessor = t.get("accessor").asString();

        JsonNode before = only(kw.cli("token", "list", "--vault", "tok-vault", "--json").ok().json());
        assertThat(before.get("accessor").asString()).isEqualTo(accessor);
        assertThat(before.get("id").asString()).isEqualTo(t.get("id").asString());
        assertThat(before.get("revoked").asBoolean()).isFalse();
        assertThat(before.has("token")).isFalse();

        assertThat(kw.cli("token", "revoke", accessor).ok().out()).contains("Revoked token " + accessor);
        // revoked tokens are hidden unless --all
        assertThat(kw.cli("token", "list", "--vault", "tok-vault", "--json").ok().json().isEmpty()).isTrue();
        assertThat(kw.cli("token", "list", "--vault", "tok-vault").ok().out()).doesNotContain(accessor)
                .contains("(1 revoked or expired token hidden; --all lists them)");
        assertThat(only(kw.cli("token", "list", "--vault", "tok-vault", "--json", "--all").ok().json()).get("revoked").asBoolean()).isTrue();
        assertThat(kw.cli("token", "list", "--vault", "tok-vault", "--all").ok().out()).contains(accessor).containsPattern("true\\s*$");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} -> live={1}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "{\"revoked\":false,\"expires_at\":\"2030-01-01T00:00:00Z\"} | true",
        "{\"revoked\":true,\"expires_at\":\"2030-01-01T00:00:00Z\"}  | false",
        "{\"revoked\":false,\"expires_at\":\"2026-01-01T00:00:00Z\"} | false",
        "{\"revoked\":false,\"expires_at\":null}                   | true",
        "{\"revoked\":false}                                       | true",
    })
    void listHidesRevokedAndExpired(String token, boolean live) {
        assertThat(TokenCommand.List_.live(CliHarness.JSON.readTree(token), java.time.Instant.parse("2027-01-01T00:00:00Z")))
                .isEqualTo(live);
    }

    @Test
    void errors() {
        kw.cli("token", "revoke", "no-such-token").expect(ExitCodes.NOT_FOUND);
        kw.cli("token", "create", "--vault", "no-such-vault").expect(ExitCodes.NOT_FOUND);
        assertThat(kw.cli("token", "create", "--ttl", "forever").expect(ExitCodes.CONFLICT).err()).contains("forever");
        kw.cli("token", "list", "--vault", "no-such-vault").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void aProxyTokenCannotAdminister(@TempDir Path other) throws Exception {
        String token = kw.cli("token", "create").ok().out().strip();
        // KEYWAY_TOKEN cannot be set from a test, so write the proxy token where the admin token would be
        java.nio.file.Files.writeString(other.resolve("admin-token"), token + "\n");
        var r = CliHarness.raw("credential", "list", "--addr", kw.addr(), "--data-dir", other.toString()).expect(ExitCodes.PERMISSION);
        assertThat(r.err()).doesNotContain(token);
    }

    private static JsonNode only(JsonNode array) {
        assertThat(array.size()).as(array.toString()).isEqualTo(1);
        return array.get(0);
    }
}
