package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway doctor} passes on a healthy instance and names each problem it finds. */
class CliDoctorTest {
    @Test
    void healthyInstancePassesAndLoosePermissionsAreReported(@TempDir Path dir) throws Exception {
        try (CliHarness kw = CliHarness.start(dir)) {
            var ok = kw.cli("doctor").ok();
            assertThat(ok.out()).contains("server reachable").contains("token valid: local-admin").contains("audit log writable")
                    .contains("is not in the OS trust store").contains("All checks passed.")
                    .containsPattern("(ok    network isolation for 'keyway run --isolate' available: user and network namespaces work"
                            + "|info  network isolation for 'keyway run --isolate' unavailable: )")
                    .containsPattern("ok    disk space for the data dir: \\d+ [MG]iB free of \\d+ [MG]iB; the audit log uses \\d+ MiB \\(0 rotated files\\)");
            // a rotated audit file is checked like the others
            Path rotated = dir.resolve("audit-0000000000000000001.jsonl");
            Files.writeString(rotated, "{\"seq\":1}\n");
            Files.setPosixFilePermissions(rotated, PosixFilePermissions.fromString("rw-r--r--"));
            var loose = kw.cli("doctor").expect(ExitCodes.FAILURE);
            assertThat(loose.out()).contains("(1 rotated file)").contains("chmod 600 " + rotated);
            Files.setPosixFilePermissions(rotated, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(dir.resolve("admin-token"), PosixFilePermissions.fromString("rw-r--r--"));
            var bad = kw.cli("doctor").expect(ExitCodes.FAILURE);
            assertThat(bad.out()).contains("FAIL").contains("chmod 600 " + dir.resolve("admin-token"));
        }
    }

    @Test
    void unreachableServerExitsTwoAsDocumented(@TempDir Path dir) {
        var r = CliHarness.raw("doctor", "--addr", "http://127.0.0.1:1", "--data-dir", dir.toString()).expect(ExitCodes.UNREACHABLE);
        assertThat(r.out()).contains("FAIL").contains("server reachable").doesNotContain("All checks passed");
    }

    @Test
    void configurationIsChecked(@TempDir Path dir) throws Exception {
        try (CliHarness kw = CliHarness.start(dir)) {
            var ok = kw.cli("doctor").ok();
            assertThat(ok.out()).containsPattern("ok    proxy listening at 127\\.0\\.0\\.1:\\d+");
            // a service whose credential does not exist is a failure, never "All checks passed"
            kw.cli("service", "add", "openai", "--template", "openai").ok();
            var missing = kw.cli("doctor").expect(ExitCodes.FAILURE);
            assertThat(missing.out()).contains("FAIL  service openai in vault default uses credential OPENAI_API_KEY, which does not exist")
                    .contains("keyway credential set OPENAI_API_KEY --vault default").doesNotContain("All checks passed");
            kw.cliWithStdin("sk-test", "credential", "set", "OPENAI_API_KEY").ok();
            assertThat(kw.cli("doctor").ok().out()).contains("ok    services of vault default have their credentials")
                    .contains("All checks passed.");
            // a disabled service is a warning: exit 0, but not "All checks passed"
            kw.cli("service", "disable", "openai").ok();
            var disabled = kw.cli("doctor").ok();
            assertThat(disabled.out()).contains("warn  service openai in vault default is disabled")
                    .contains("No failures, but 1 warning(s)").doesNotContain("All checks passed");
        }
    }
}
