package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Master-key handling across real server restarts: key-file mode, password mode, wrong password, rotation. */
class KeyRingTest {
    static final String SECRET = "canary-keyring-5b1f0e2a9d";

    @TempDir
    Path dir;

    private static String decrypt(TestServer ts, String name) {
        // Reads the value through the same path the proxy uses (never exposed over the API).
        VaultService vs = ts.server.vaultServiceForTests();
        CredentialRecord c = vs.credential("default", name);
        return new String(vs.decrypt(c), StandardCharsets.UTF_8);
    }

    @Test
    void firstStartCreatesKeyFileAndRestartReadsIt() throws Exception {
        try (TestServer ts = TestServer.start(dir)) {
            assertThat(ts.call("PUT", "/v1/vaults/default/credentials/K", "{\"value\":\"" + SECRET + "\"}").statusCode()).isEqualTo(201);
        }
        Path key = dir.resolve("master.key");
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("keyway.db"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("admin-token"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        String adminBefore = Files.readString(dir.resolve("admin-token"));
        try (TestServer ts = TestServer.start(dir)) {
            assertThat(decrypt(ts, "K")).isEqualTo(SECRET);
            assertThat(Files.readString(dir.resolve("admin-token"))).isEqualTo(adminBefore);
        }
    }

    @Test
    void passwordModeRejectsWrongAndMissingPassword() throws Exception {
        ServerConfig cfg = ServerConfig.defaults(dir).withPorts(0, 0);
        try (TestServer ts = TestServer.start(cfg.withMasterPassword("correct horse battery".toCharArray()))) {
            ts.call("PUT", "/v1/vaults/default/credentials/K", "{\"value\":\"" + SECRET + "\"}");
        }
        assertThat(dir.resolve("master.key")).doesNotExist();
        assertThatThrownBy(() -> TestServer.start(cfg.withMasterPassword("wrong horse".toCharArray())))
                .isInstanceOf(KeywayException.class)
                .hasMessageContaining("wrong master password");
        assertThatThrownBy(() -> TestServer.start(cfg))
                .isInstanceOf(KeywayException.class)
                .hasMessageContaining("KEYWAY_MASTER_PASSWORD");
        try (TestServer ts = TestServer.start(cfg.withMasterPassword("correct horse battery".toCharArray()))) {
            assertThat(decrypt(ts, "K")).isEqualTo(SECRET);
        }
    }

    @Test
    void missingKeyFileIsAClearError() throws Exception {
        TestServer.start(dir).close();
        Files.delete(dir.resolve("master.key"));
        assertThatThrownBy(() -> TestServer.start(dir)).isInstanceOf(KeywayException.class).hasMessageContaining("missing");
    }

    @Test
    void rotationKeepsDataReadable() throws Exception {
        try (TestServer ts = TestServer.start(dir)) {
            ts.call("PUT", "/v1/vaults/default/credentials/K", "{\"value\":\"" + SECRET + "\"}");
            ts.call("POST", "/v1/vaults", "{\"name\":\"other\"}");
            ts.call("PUT", "/v1/vaults/other/credentials/K2", "{\"value\":\"" + SECRET + "-2\"}");
            String oldKey = Files.readString(dir.resolve("master.key"));
            // key file -> new key file
            var r = ts.call("POST", "/v1/admin/master-key/rotate", "{}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Files.readString(dir.resolve("master.key"))).isNotEqualTo(oldKey);
            assertThat(decrypt(ts, "K")).isEqualTo(SECRET);
            // key file -> password
            r = ts.call("POST", "/v1/admin/master-key/rotate", "{\"new_password\":\"a much longer passphrase\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(dir.resolve("master.key")).doesNotExist();
        }
        ServerConfig cfg = ServerConfig.defaults(dir).withPorts(0, 0);
        assertThatThrownBy(() -> TestServer.start(cfg)).isInstanceOf(KeywayException.class);
        try (TestServer ts = TestServer.start(cfg.withMasterPassword("a much longer passphrase".toCharArray()))) {
            assertThat(decrypt(ts, "K")).isEqualTo(SECRET);
            VaultService vs = ts.server.vaultServiceForTests();
            assertThat(new String(vs.decrypt(vs.credential("other", "K2")), StandardCharsets.UTF_8)).isEqualTo(SECRET + "-2");
            // the CA key was re-wrapped too: the server started and serves the same CA
            assertThat(ts.call("GET", "/v1/ca.pem", null, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void ciphertextMovedToAnotherRowDoesNotDecrypt() throws Exception {
        try (TestServer ts = TestServer.start(dir)) {
            ts.call("PUT", "/v1/vaults/default/credentials/A", "{\"value\":\"" + SECRET + "\"}");
            ts.call("PUT", "/v1/vaults/default/credentials/B", "{\"value\":\"other\"}");
        }
        // Copy A's ciphertext into B's row behind Keyway's back.
        try (SqliteStore s = SqliteStore.open(dir.resolve("keyway.db"))) {
            String vid = s.vaultByName("default").orElseThrow().id();
            byte[] a = s.credential(vid, "A").orElseThrow().ciphertext();
            s.putCredential(vid, "B", null, "attacker", v -> a);
        }
        try (TestServer ts = TestServer.start(dir)) {
            VaultService vs = ts.server.vaultServiceForTests();
            assertThatThrownBy(() -> vs.decrypt(vs.credential("default", "B")))
                    .isInstanceOf(dev.keyway.core.crypto.DecryptionException.class)
                    .hasMessageNotContaining(SECRET);
        }
    }
}
