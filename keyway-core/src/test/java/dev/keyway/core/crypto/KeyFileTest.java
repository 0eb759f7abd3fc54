package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFileTest {
    private static final String KEY_B64 = Base64.getEncoder().encodeToString(Randomness.bytes(32));

    @TempDir
    Path dir;

    @BeforeAll
    static void posixOnly() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    }

    @Test
    void createdFileIsOwnerOnlyAndReadsBackTheSameKey() throws IOException {
        Path path = dir.resolve("master.key");
        MasterKey created = KeyFile.createNew(path);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
        String content = Files.readString(path);
        assertThat(content).endsWith("\n").hasLineCount(1);
        assertThat(Base64.getDecoder().decode(content.strip())).hasSize(32);
        assertThat(KeyFile.read(path).exportBytes()).isEqualTo(created.exportBytes());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(path); // no temp file left behind
        }
    }

    @Test
    void createWorksWithRelativePathsToo() {
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.key"));
        KeyFile.createNew(relative);
        assertThat(dir.resolve("rel.key")).exists();
    }

    @Test
    void eachCreatedKeyIsDifferent() {
        byte[] a = KeyFile.createNew(dir.resolve("a.key")).exportBytes();
        byte[] b = KeyFile.createNew(dir.resolve("b.key")).exportBytes();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void existingFileIsNeverOverwritten() throws IOException {
        Path path = dir.resolve("master.key");
        KeyFile.createNew(path);
        String before = Files.readString(path);

        assertThatThrownBy(() -> KeyFile.createNew(path))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageStartingWith("master key file already exists: " + path);
        assertThat(Files.readString(path)).isEqualTo(before);
    }

    @Test
    void existingSymlinkIsNotFollowedOrReplaced() throws IOException {
        Path target = dir.resolve("elsewhere");
        Path link = Files.createSymbolicLink(dir.resolve("master.key"), target);

        assertThatThrownBy(() -> KeyFile.createNew(link)).isInstanceOf(KeyMaterialException.class);
        assertThat(target).doesNotExist();
    }

    @Test
    void missingDirectoryIsReported() {
        assertThatThrownBy(() -> KeyFile.createNew(dir.resolve("nope/master.key")))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("does not exist");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-rw----", "rw----r--", "rwx------", "r--r-----", "rw-----w-", "rwxrwxrwx"})
    void broaderPermissionsAreRejectedWithTheFix(String permissions) throws IOException {
        Path path = write("master.key", KEY_B64 + "\n", permissions);

        assertThatThrownBy(() -> KeyFile.read(path))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("has permissions " + permissions)
                .hasMessageEndingWith("Fix with: chmod 600 " + path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "r--------"})
    void ownerOnlyPermissionsAreAccepted(String permissions) throws IOException {
        Path path = write("master.key", KEY_B64 + "\n", permissions);
        assertThat(KeyFile.read(path).exportBytes()).isEqualTo(Base64.getDecoder().decode(KEY_B64));
    }

    @Test
    void chmodHintQuotesAwkwardPaths() throws IOException {
        Path path = write("my master.key", KEY_B64, "rw-r--r--");
        assertThatThrownBy(() -> KeyFile.read(path)).hasMessageEndingWith("chmod 600 '" + path + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "\r\n", "  \t\n"})
    void acceptsTrailingNewlineAndWhitespace(String suffix) throws IOException {
        Path path = write("master.key", KEY_B64 + suffix, "rw-------");
        assertThat(KeyFile.read(path).exportBytes()).isEqualTo(Base64.getDecoder().decode(KEY_B64));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty            | ''                          | is empty
            blank            | '\\n\\n'                      | is empty
            two lines        | 'KEY\\nKEY\\n'                | must contain exactly one line
            not base64       | 'this is not a key!'        | does not contain valid base64
            too short        | 'AAECAwQFBgcICQoLDA0ODw=='  | must contain a base64-encoded 32-byte key, found 16 bytes
            too long         | 'KEYAAAA'                   | must contain a base64-encoded 32-byte key, found
            leading space    | ' KEY'                      | does not contain valid base64
            """)
    void rejectsMalformedContent(String description, String content, String expected) throws IOException {
        String text = content.replace("\\n", "\n").replace("KEY", KEY_B64.replace("=", ""));
        Path path = write("master.key", text, "rw-------");

        assertThatThrownBy(() -> KeyFile.read(path))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY_B64.substring(0, 12)));
    }

    @Test
    void rejectsHugeFiles() throws IOException {
        Path path = write("master.key", "A".repeat(10_000), "rw-------");
        assertThatThrownBy(() -> KeyFile.read(path)).hasMessageContaining("too large");
    }

    @Test
    void missingFileAndDirectoryAreReported() throws IOException {
        assertThatThrownBy(() -> KeyFile.read(dir.resolve("absent.key")))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessage("master key file not found: " + dir.resolve("absent.key"));
        assertThatThrownBy(() -> KeyFile.read(dir))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("not a regular file");
    }

    private Path write(String name, String content, String permissions) throws IOException {
        Path path = dir.resolve(name);
        Files.writeString(path, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        return path;
    }

    @Test
    void aFileOfOnlyWhitespaceIsReportedAsEmpty() throws IOException {
        Path path = write("master.key", " \t\r\n\n", "rw-------");
        assertThatThrownBy(() -> KeyFile.read(path))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("is empty");
    }
}
