package dev.keyway.cli;

import dev.keyway.core.fs.OwnerOnly;
import dev.keyway.core.service.ServiceDefinition;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code keyway doctor}: checks the things that silently go wrong — server reachable and healthy,
 * the token valid, the proxy listener answering, the configuration (services whose credentials do
 * not exist, disabled services), data-dir permissions, the CA's expiry and that it is NOT in the OS
 * trust store (agents get it through env vars only), the audit log, and webhook delivery failures.
 * A warning (a disabled service) is not a failure, but then it does not say "All checks passed".
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check the server, the token, the proxy, the services' configuration, the data dir's permissions and free space,"
            + " the CA, notifications, and whether 'keyway run --isolate' works here. Exit 0 when all pass, 2 when the server is unreachable, 6 when a check fails.",
            "Example: keyway doctor"})
final class DoctorCommand implements Runnable {
    @Mixin ClientOptions client;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

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
            out.println(problems.size() + " problem(s) found.");
            out.flush();
            throw new CliException(ExitCodes.UNREACHABLE, "cannot reach the Keyway server at " + api.base());
        }
        try {
            JsonNode w = api.get("/v1/auth/whoami");
            check(true, "token valid: " + w.path("actor").asString() + " (" + w.path("type").asString() + ", from " + api.tokenSource() + ")");
            if (w.path("owner").asBoolean()) {
                JsonNode st = api.get("/v1/status");
                check("ok".equals(st.path("audit").asString()), "audit log writable");
                if (st.hasNonNull("audit_shipping")) {
                    auditShipping(st.get("audit_shipping"));
                }
                if (st.hasNonNull("proxy")) {
                    proxy(st.get("proxy").asString());
                }
                sources(api);
                JsonNode hooks = api.get("/v1/webhooks");
                for (JsonNode h : hooks.path("webhooks")) {
                    int f = h.path("failures").asInt(0);
                    check(f == 0, "webhook " + h.path("id").asString() + " delivering"
                            + (f == 0 ? "" : " (" + f + " failed deliveries; last error: " + h.path("last_error").asString() + ")"));
                }
            }
            configuration(api);
        } catch (CliException e) {
            check(false, "token valid (" + e.getMessage() + ")");
        }
        Path dir = client.dataDir();
        if (Files.isDirectory(dir)) {
            perms(dir, OwnerOnly.DIRECTORY);
            for (String f : List.of("keyway.db", "master.key", "admin-token", "audit.jsonl", "session.json")) {
                if (Files.exists(dir.resolve(f))) {
                    perms(dir.resolve(f), OwnerOnly.FILE);
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
        isolation(out);
        finish(out);
    }

    /**
     * A cluster node ships its audit records to the cluster-wide table; records not shipped yet are
     * durable on the node but invisible from the other nodes. Fails while shipping is retrying,
     * blocked, or more than {@value #SHIP_LAG_LIMIT} records behind.
     */
    private void auditShipping(JsonNode s) {
        String state = s.path("state").asString("");
        long lag = s.path("lag_records").asLong(0);
        boolean ok = state.equals("shipping") && lag <= SHIP_LAG_LIMIT;
        String why = s.hasNonNull("problem") ? "; " + s.path("problem").asString() : "";
        check(ok, "cluster audit shipping: " + state + ", " + lag + " records not yet in the cluster-wide table" + why);
    }

    static final long SHIP_LAG_LIMIT = 10_000;

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
                    perms(p, OwnerOnly.FILE);
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

    /**
     * The proxy listener answers like Keyway's proxy: a CONNECT without credentials gets 407. A
     * server whose API is up but whose proxy port is unreachable (firewall, wrong bind address)
     * would otherwise pass every other check while no agent gets through.
     */
    private void proxy(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        String target = host + ":" + hostPort.substring(colon + 1);
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1))), 3000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("CONNECT keyway-doctor.invalid:443 HTTP/1.1\r\nHost: keyway-doctor.invalid:443\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            String line = new String(head, java.nio.charset.StandardCharsets.US_ASCII);
            boolean ok = line.startsWith("HTTP/1.1 407");
            check(ok, "proxy listening at " + target + (ok ? "" : " (answered '" + line.strip() + "' instead of 407)"));
        } catch (IOException | RuntimeException e) {
            check(false, "proxy listening at " + target + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Configuration that passes validation but cannot work: an enabled service whose credential
     * does not exist (every request gets 502 credential-unavailable), and disabled services (a
     * warning: deliberate, but easy to forget). Vaults the caller may not read are skipped.
     */
    private void configuration(ApiClient api) {
        for (JsonNode v : api.get("/v1/vaults").path("vaults")) {
            String vault = v.path("name").asString();
            JsonNode services;
            Set<String> credentials = new java.util.HashSet<>();
            try {
                services = api.get(ServiceCommand.base(vault)).path("services");
                api.get("/v1/vaults/" + Paths.seg(vault) + "/credentials").path("credentials")
                        .forEach(c -> credentials.add(c.path("name").asString()));
            } catch (CliException e) {
                continue;
            }
            int broken = 0;
            for (JsonNode s : services) {
                String name = s.path("name").asString();
                if (!s.path("enabled").asBoolean(true)) {
                    warn("service " + name + " in vault " + vault + " is disabled (requests get 403 service-disabled;"
                            + " keyway service enable " + name + " --vault " + vault + ")");
                    continue;
                }
                java.util.List<String> missing = new ArrayList<>();
                try {
                    missing.addAll(credentialsUsed(s));
                } catch (RuntimeException e) {
                    check(false, "service " + name + " in vault " + vault + " is readable (" + e.getMessage() + ")");
                    continue;
                }
                missing.removeIf(credentials::contains);
                if (!missing.isEmpty()) {
                    broken++;
                    check(false, "service " + name + " in vault " + vault + " uses credential" + (missing.size() == 1 ? " " : "s ")
                            + String.join(", ", missing) + ", which do" + (missing.size() == 1 ? "es" : "") + " not exist (set with: keyway"
                            + " credential set " + missing.getFirst() + " --vault " + vault + ")");
                }
            }
            if (broken == 0 && !services.isEmpty()) {
                check(true, "services of vault " + vault + " have their credentials");
            }
        }
    }

    /**
     * Whether {@code keyway run --isolate} can work on this machine: a real probe (the same namespaces a
     * run creates). Unavailable is information, not a warning: most machines never need it.
     */
    private void isolation(java.io.PrintWriter out) {
        long[] ids = dev.keyway.cli.run.Isolation.ids();
        var probe = dev.keyway.cli.run.Isolation.probe(System.getenv(), System.getProperty("os.name", "unknown"), ids[0], ids[1]);
        out.println(probe.available() ? "  ok    network isolation for 'keyway run --isolate' available: " + probe.detail()
                : "  info  network isolation for 'keyway run --isolate' unavailable: " + probe.detail());
    }

    private void warn(String what) {
        spec.commandLine().getOut().println("  warn  " + what);
        warnings.add(what);
    }

    private void check(boolean ok, String what) {
        spec.commandLine().getOut().println((ok ? "  ok    " : "  FAIL  ") + what);
        if (!ok) {
            problems.add(what);
        }
    }

    private void finish(java.io.PrintWriter out) {
        out.println(!problems.isEmpty() ? problems.size() + " problem(s) found" + (warnings.isEmpty() ? "." : ", " + warnings.size() + " warning(s).")
                : warnings.isEmpty() ? "All checks passed." : "No failures, but " + warnings.size() + " warning(s): see 'warn' above.");
        out.flush();
        if (!problems.isEmpty()) {
            throw new CliException(ExitCodes.FAILURE, problems.size() + " check(s) failed");
        }
    }

    /**
     * The credentials a listed service's injection uses. A {@code service list} entry is the stored
     * form of core's {@link ServiceDefinition} plus read-only metadata, so core's own type reads it.
     */
    static Set<String> credentialsUsed(JsonNode listed) {
        if (!(listed instanceof ObjectNode entry)) {
            throw new IllegalArgumentException("not a service definition");
        }
        ObjectNode definition = entry.deepCopy();
        definition.remove(List.of("updated_at", "updated_by"));
        return ApiClient.JSON.treeToValue(definition, ServiceDefinition.class).injection().credentialNames();
    }

    /**
     * Each credential source's health (issue 10): failing when its last fetch failed after its last
     * success (the error says what failed: auth, not found, throttled, down, TLS), healthy otherwise.
     */
    private void sources(ApiClient api) {
        for (JsonNode s : api.get("/v1/sources").path("sources")) {
            String name = s.path("name").asString();
            String ok = s.path("last_success").asString("");
            String errAt = s.path("last_error_at").asString("");
            if (!errAt.isEmpty() && (ok.isEmpty() || Instant.parse(errAt).isAfter(Instant.parse(ok)))) {
                check(false, "source " + name + " failing since " + errAt + ": " + s.path("last_error").asString()
                        + (ok.isEmpty() ? "" : " (last success " + ok + ")") + "; try: keyway source test " + name + " --ref REF");
            } else {
                check(true, "source " + name + " (" + s.path("type").asString() + ") "
                        + (ok.isEmpty() ? "not used yet" : "healthy, last success " + ok));
            }
        }
    }
}
