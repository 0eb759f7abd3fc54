package dev.keyway.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real files in a temp dir: what each method creates, and that nothing is ever broader than the owner's. */
class OwnerOnlyTest {
    @TempDir
    Path dir;

    static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void createFileIsOwnerOnlyAndNeverReplaces() throws Exception {
        Path f = OwnerOnly.createFile(dir.resolve("secret"));
        assertThat(perms(f)).isEqualTo("rw-------");
        Files.writeString(f, "kept");
        assertThatThrownBy(() -> OwnerOnly.createFile(f)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(f)).isEqualTo("kept");
    }

    @Test
    void writeAtomicallyReplacesABroadFileWithAnOwnerOnlyOneAndLeavesNoTempFile() throws Exception {
        Path f = dir.resolve("admin-token");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        OwnerOnly.writeAtomically(f, "new\n");
        assertThat(Files.readString(f)).isEqualTo("new\n");
        assertThat(perms(f)).isEqualTo("rw-------");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("admin-token");
        }
    }

    @Test
    void writeAtomicallyCreatesAMissingFile() throws Exception {
        Path f = dir.resolve("server.json");
        OwnerOnly.writeAtomically(f, "{}");
        assertThat(Files.readString(f)).isEqualTo("{}");
        assertThat(perms(f)).isEqualTo("rw-------");
    }

    @Test
    void createDirectoriesMakesEachNewLevel0700AndLeavesExistingOnesAlone() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path deep = OwnerOnly.createDirectories(dir.resolve("a/b/c"));
        assertThat(perms(dir)).isEqualTo("rwxr-xr-x");
        assertThat(perms(dir.resolve("a"))).isEqualTo("rwx------");
        assertThat(perms(dir.resolve("a/b"))).isEqualTo("rwx------");
        assertThat(perms(deep)).isEqualTo("rwx------");
        assertThat(OwnerOnly.createDirectories(deep)).isEqualTo(deep); // existing: fine
    }

    @Test
    void createDirectoriesRefusesAFileInTheWay() throws Exception {
        Path f = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> OwnerOnly.createDirectories(f)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void restrictDirectoryTightensAnExistingDirectory() throws Exception {
        Path d = Files.createDirectory(dir.resolve("data"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxr-x"));
        OwnerOnly.restrictDirectory(d);
        assertThat(perms(d)).isEqualTo("rwx------");
        assertThat(perms(OwnerOnly.restrictDirectory(dir.resolve("new")))).isEqualTo("rwx------");
    }

    @Test
    void tempFilesAndDirectoriesAreOwnerOnly() throws Exception {
        Path t = OwnerOnly.createTempFile(dir, ".key-", ".tmp");
        assertThat(t.getParent()).isEqualTo(dir);
        assertThat(perms(t)).isEqualTo("rw-------");
        Path td = OwnerOnly.createTempDirectory("keyway-test-");
        try {
            assertThat(perms(td)).isEqualTo("rwx------");
        } finally {
            Files.delete(td);
        }
    }

    @Test
    void makeExecutableIsOwnerOnly() throws Exception {
        Path f = Files.writeString(dir.resolve("shim"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        OwnerOnly.makeExecutable(f);
        assertThat(perms(f)).isEqualTo("rwx------");
    }

    @ParameterizedTest
    @CsvSource({
        "rw-------, true",
        "r--------, true",
        "rwx------, true",
        "---------, true",
        "rw-r-----, false",
        "rw----r--, false",
        "rw-----w-, false",
        "rwx--x---, false",
    })
    void ownerOnlyPermissions(String permissions, boolean expected) {
        Set<PosixFilePermission> p = PosixFilePermissions.fromString(permissions);
        assertThat(OwnerOnly.ownerOnly(p)).isEqualTo(expected);
    }
}
