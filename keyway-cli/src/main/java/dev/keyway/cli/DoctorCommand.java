package dev.keyway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway doctor}: checks the things that silently go wrong — server reachable and healthy,
 * the token valid, data-dir permissions, the CA's expiry and that it is NOT in the OS trust store
 * (agents get it through env vars only), the audit log, and webhook delivery failures.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the server, the token, the data dir's permissions and free space (audit log size), the CA and notifications. Exit 0 when all pass.")
final class DoctorCommand implements Runnable {
    @Mixin ClientOptions client;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    private final List<String> problems = new ArrayList<>();

    @Override
    public void run() {
        var out = spec.commandLine().getOut();
        ApiClient api = client.client();
        JsonNode health;
        try {
            health = api.withToken(null).get("/health");
            check(true, "server reachable at " + api.base());
            check("ok".equals(health.path("database").asString()), "database ok");
        } catch (CliException e) {
            check(false, "server reachable at " + api.base() + " (" + e.getMessage() + ")");
            finish(out);
            return;
        }
        try {
            JsonNode w = api.get("/v1/auth/whoami");
            check(true, "token valid: " + w.path("actor").asString() + " (" + w.path("type").asString() + ", from " + api.tokenSource() + ")");
            if (w.path("owner").asBoolean()) {
                JsonNode st = api.get("/v1/status");
                check("ok".equals(st.path("audit").asString()), "audit log writable");
                JsonNode hooks = api.get("/v1/webhooks");
                for (JsonNode h : hooks.path("webhooks")) {
                    int f = h.path("failures").asInt(0);
                    check(f == 0, "webhook " + h.path("id").asString() + " delivering"
                            + (f == 0 ? "" : " (" + f + " failed deliveries; last error: " + h.path("last_error").asString() + ")"));
                }
            }
        } catch (CliException e) {
            check(false, "token valid (" + e.getMessage() + ")");
        }
        Path dir = client.dataDir();
        if (Files.isDirectory(dir)) {
            perms(dir, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            for (String f : List.of("keyway.db", "master.key", "admin-token", "audit.jsonl", "session.json")) {
                if (Files.exists(dir.resolve(f))) {
                    perms(dir.resolve(f), Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
                }
            }
            auditSpace(dir);
        }
        try {
            String pem = api.getText("/v1/ca.pem");
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            Duration left = Duration.between(Instant.now(), ca.getNotAfter().toInstant());
            check(left.toDays() > 30, "CA valid for " + left.toDays() + " more days");
            String body = pem.strip();
            boolean inOsStore = false;
            for (Path bundle : List.of(Path.of("/etc/ssl/certs/ca-certificates.crt"), Path.of("/etc/pki/tls/certs/ca-bundle.crt"),
                    Path.of("/etc/ssl/cert.pem"))) {
                if (Files.isReadable(bundle) && Files.readString(bundle).contains(body.substring(body.indexOf('\n') + 1, body.indexOf('\n') + 60))) {
                    inOsStore = true;
                }
            }
            check(!inOsStore, "Keyway CA is not in the OS trust store (agents trust it through env vars set by 'keyway run' only)");
        } catch (CliException | IOException | java.security.cert.CertificateException e) {
            check(false, "CA certificate readable (" + e.getMessage() + ")");
        }
        finish(out);
    }

    /**
     * The audit log grows with traffic and rotated files are kept unless the operator chose a
     * retention: report how much it uses, check the rotated files are private too, and fail when the
     * data dir's disk is nearly full (a full disk stops the audit log, and with it every request
     * that needs a credential).
     */
    private void auditSpace(Path dir) {
        long bytes = 0;
        int rotated = 0;
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "audit*.jsonl")) {
            for (Path p : ds) {
                bytes += Files.size(p);
                if (!p.getFileName().toString().equals("audit.jsonl")) {
                    rotated++;
                    perms(p, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
                }
            }
            var store = Files.getFileStore(dir);
            long free = store.getUsableSpace();
            long total = store.getTotalSpace();
            boolean ok = free >= MIN_FREE_BYTES && (total == 0 || free * 100 / total >= MIN_FREE_PERCENT);
            check(ok, "disk space for the data dir: " + mib(free) + " free of " + mib(total) + "; the audit log uses " + mib(bytes)
                    + " (" + rotated + " rotated file" + (rotated == 1 ? "" : "s") + ")"
                    + (ok ? "" : " — free some space, or limit retention with 'keyway server --audit-keep-files N'"));
        } catch (IOException | RuntimeException e) {
            check(false, "disk space of " + dir + " readable (" + e.getMessage() + ")");
        }
    }

    private static final long MIN_FREE_BYTES = 512L << 20;
    private static final long MIN_FREE_PERCENT = 2;

    private static String mib(long bytes) {
        return bytes >= (10L << 30) ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }

    private void perms(Path p, Set<PosixFilePermission> allowed) {
        try {
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(p);
            boolean ok = allowed.containsAll(actual);
            check(ok, p + " is private" + (ok ? "" : " (is " + java.nio.file.attribute.PosixFilePermissions.toString(actual)
                    + "; fix with chmod " + (Files.isDirectory(p) ? "700" : "600") + " " + p + ")"));
        } catch (IOException | UnsupportedOperationException e) {
            check(false, "permissions of " + p + " readable (" + e.getMessage() + ")");
        }
    }

    private void check(boolean ok, String what) {
        spec.commandLine().getOut().println((ok ? "  ok    " : "  FAIL  ") + what);
        if (!ok) {
            problems.add(what);
        }
    }

    private void finish(java.io.PrintWriter out) {
        out.println(problems.isEmpty() ? "All checks passed." : problems.size() + " problem(s) found.");
        out.flush();
        if (!problems.isEmpty()) {
            throw new CliException(ExitCodes.FAILURE, problems.size() + " check(s) failed");
        }
    }
}
