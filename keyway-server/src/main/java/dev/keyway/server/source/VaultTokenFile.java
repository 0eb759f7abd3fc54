package dev.keyway.server.source;

import dev.keyway.core.fs.OwnerOnly;
import dev.keyway.core.keep.KeepPolicy;
import dev.keyway.core.keep.TokenExpectation;
import dev.keyway.core.keep.TokenIdentity;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.time.Durations;
import dev.keyway.server.http.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The {@code hashicorp-vault} source's {@code --token-file} upkeep with {@code keyway token keep}'s
 * drift guard ({@link KeepPolicy}, shared): the file's token is used and renewed only while it is
 * <em>ours</em> (a {@code service} token with the expected policies and period). When someone
 * overwrites the file with another token (typically {@code vault login} writing an admin's token),
 * Keyway never adopts or renews it. It heals instead, with that token's own authority: {@code POST
 * /v1/auth/token/create-orphan} for a periodic token with our policies (Vault decides whether the
 * foreign token may), a sanity check of the new token ({@code lookup-self}: exactly ours, else it is
 * revoked), an atomic replacement of the file (temp file, flushed, renamed, same mode), and a sweep
 * of the stale tokens Keyway itself minted ({@code POST /v1/auth/token/revoke-accessor}). It logs
 * {@code HEALED ...}, or fails loud: every fetch fails with the reason and the manual recovery
 * command (visible in {@code source show} and {@code doctor}) until the file changes again.
 *
 * <p>What "ours" means: the policies and period given with {@code --token-policy}/{@code
 * --token-period}, else those of the first token the source read (pin them to be safe). Keyway names
 * the tokens it mints {@code keyway-SOURCE} (Vault shows {@code token-keyway-SOURCE}), so the sweep
 * can tell them from the tokens an operator made.
 *
 * <p>Not thread-safe: the owning {@link VaultKvSource} calls it under its lock.
 */
final class VaultTokenFile {
    /** The period of a token minted when the expectation does not pin one. */
    static final Duration DEFAULT_PERIOD = Duration.ofHours(768);

    /** What the file's token is to the keeper. */
    enum State {
        /** Not read yet (or changed since the last read). */
        UNREAD,
        /** The file holds our token (read as ours or healed). */
        OURS,
        /** The file holds a token that is not usable and could not be healed: fail loud until it changes. */
        FAILED
    }

    /** Calls Vault with an explicit token. */
    interface Vault {
        VaultKvSource.Response call(String method, String path, @Nullable String token, byte @Nullable [] body) throws SourceFailure;
    }

    /** The token to use and what Vault said about it; {@link #toString()} hides the token. */
    record Current(String token, TokenIdentity identity, Duration ttl, boolean renewable) {
        @Override
        public String toString() {
            return "Current[" + identity.accessor() + "]";
        }
    }

    private final String source;
    private final Path file;
    private final String addr;
    private final @Nullable TokenExpectation pinned;
    private final Vault vault;
    private final Consumer<String> log;
    private final VaultMintedTokens persisted;
    /** Whether {@link #minted} holds the persisted tokens too (loaded once, retried after a store failure). */
    private boolean loaded;

    private State state = State.UNREAD;
    private @Nullable String stamp;
    private @Nullable TokenExpectation expected;
    private @Nullable Current current;
    private @Nullable SourceFailure failure;
    /**
     * The tokens Keyway minted (or found in the file with its display name): the only ones a sweep
     * revokes. Also kept in {@link #persisted}, so those minted before a restart are swept too.
     */
    private final List<TokenIdentity> minted = new ArrayList<>();

    /**
     * @param policies the policies ours has ({@code --token-policy}), or empty to take the first token's
     * @param period the period ours has ({@code --token-period}), or {@code null} to take the first token's
     */
    VaultTokenFile(String source, Path file, String addr, List<String> policies, @Nullable Duration period, Vault vault,
            Consumer<String> log) {
        this(source, file, addr, policies, period, vault, log, VaultMintedTokens.NONE);
    }

    /** @param persisted where the accessors of the tokens Keyway mints are kept across restarts */
    VaultTokenFile(String source, Path file, String addr, List<String> policies, @Nullable Duration period, Vault vault,
            Consumer<String> log, VaultMintedTokens persisted) {
        this.source = source;
        this.file = file;
        this.addr = addr;
        this.pinned = policies.isEmpty() ? null : new TokenExpectation("service", null, scope(policies), period);
        this.vault = vault;
        this.log = log;
        this.persisted = persisted;
    }

    State state() {
        return state;
    }

    /** The display name Vault gives the tokens Keyway mints. */
    String mintedName() {
        return "token-keyway-" + source;
    }

    /** The token to use now: the file's if it is ours, a healed one, or a loud failure. */
    Current current() throws SourceFailure {
        String now = stamp(file);
        if (now.equals(stamp)) {
            if (state == State.FAILED && failure != null) {
                throw failure;
            }
            if (current != null) {
                return current;
            }
        }
        String token = VaultKvSource.readSecretFile(file, "token file");
        Looked found = lookup(token);
        if (found.refusal() != null) {
            return fail(now, "the token in " + file + " is not valid (Vault: " + found.refusal() + ")");
        }
        TokenExpectation e = expected != null ? expected : pinned != null ? pinned : adopt(found.identity());
        KeepPolicy.Verdict v = KeepPolicy.classify(found.identity(), e);
        if (KeepPolicy.action(v) == KeepPolicy.Action.RENEW) {
            expected = e;
            if (found.identity().displayName().equals(mintedName())) {
                remember(found.identity());
            }
            return accept(now, new Current(token, found.identity(), found.ttl(), found.renewable()));
        }
        return heal(now, token, found.identity(), ((KeepPolicy.Verdict.Foreign) v).differences(), e);
    }

    /** The first token read sets what ours is when nothing was pinned: its type, policies and period. */
    private TokenExpectation adopt(TokenIdentity first) {
        return new TokenExpectation(first.type(), null, first.scope(), first.period());
    }

    private Current heal(String stampNow, String foreign, TokenIdentity f, List<String> differences, TokenExpectation e)
            throws SourceFailure {
        Duration period = e.period() != null ? e.period() : DEFAULT_PERIOD;
        TokenExpectation ours = e.named(mintedName()).withPeriod(period);
        List<String> policies = policies(e);
        String what = "a foreign token (accessor " + f.accessor() + "; " + String.join(", ", differences) + ")";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("policies", policies.isEmpty() ? List.of("default") : policies); // never empty: that would inherit the foreign token's
        body.put("period", period.toSeconds() + "s");
        body.put("display_name", "keyway-" + source);
        body.put("renewable", true);
        body.put("meta", Map.of("keyway-source", source));
        VaultKvSource.Response res = vault.call("POST", "/v1/auth/token/create-orphan", foreign, Json.write(body));
        if (res.status() >= 500 || res.status() == 429) {
            VaultKvSource.check(res, "healing the token file " + file); // transient: try again at the next fetch
        }
        if (res.status() != 200) {
            return fail(stampNow, "CLOBBERED: " + file + " holds " + what + " that may not create Keyway's token (Vault: HTTP "
                    + res.status() + VaultKvSource.errors(res.body()) + "); it was not used and the file was left untouched");
        }
        JsonNode au = res.body().path("auth");
        String token = au.path("client_token").asString("");
        if (token.isEmpty()) {
            return fail(stampNow, "CLOBBERED: creating Keyway's token with " + what + " returned no client_token");
        }
        Looked check = lookup(token);
        if (check.refusal() != null || !KeepPolicy.acceptMinted(check.identity(), ours)) {
            revokeSelf(token);
            String why = check.refusal() != null ? "cannot look it up: " + check.refusal()
                    : String.join(", ", ((KeepPolicy.Verdict.Foreign) KeepPolicy.classify(check.identity(), ours)).differences());
            return fail(stampNow, "REJECTED: the token minted with " + what + " is not what was asked for (" + why
                    + "); it was revoked and " + file + " was left untouched");
        }
        try {
            replace(file, token + "\n");
        } catch (IOException e2) {
            revokeSelf(token);
            return fail(stampNow, "UNWRITABLE: cannot replace " + file + ": " + e2.getClass().getSimpleName()
                    + " (the new token was revoked again)");
        }
        List<String> failures = new ArrayList<>();
        int revoked = sweep(foreign, ours, check.identity().accessor(), failures);
        remember(check.identity());
        expected = e;
        log.accept("HEALED: Vault source " + source + ": " + file + " held " + what + "; re-minted Keyway's periodic token (accessor "
                + check.identity().accessor() + ", policies " + (policies.isEmpty() ? "[default]" : policies) + ", period "
                + Durations.format(period) + ") with its authority and replaced the file (revoked " + revoked + " stale"
                + (failures.isEmpty() ? "" : "; could not revoke " + failures) + ")");
        return accept(stamp(file), new Current(token, check.identity(), check.ttl(), check.renewable()));
    }

    /** Revokes the stale tokens Keyway minted, with the healing authority; returns how many. */
    private int sweep(String authority, TokenExpectation ours, String keep, List<String> failures) {
        load();
        List<String> stale = KeepPolicy.staleAccessors(minted, ours, keep);
        int n = 0;
        for (String a : stale) {
            try {
                VaultKvSource.Response r = vault.call("POST", "/v1/auth/token/revoke-accessor", authority,
                        Json.write(Map.of("accessor", a)));
                if (r.status() == 200 || r.status() == 204) {
                    n++;
                    minted.removeIf(t -> t.accessor().equals(a));
                    try {
                        persisted.remove(source, a);
                    } catch (RuntimeException e) {
                        log.accept("WARNING: Vault source " + source + ": revoked accessor " + a + " but cannot forget it in the "
                                + "store (" + e.getClass().getSimpleName() + "); a later sweep will try it again");
                    }
                } else {
                    failures.add(a + " (HTTP " + r.status() + VaultKvSource.errors(r.body()) + ")");
                }
            } catch (SourceFailure e) {
                failures.add(a + " (" + e.getMessage() + ")");
            }
        }
        return n;
    }

    private void remember(TokenIdentity t) {
        load();
        if (minted.stream().noneMatch(m -> m.accessor().equals(t.accessor()))) {
            minted.add(t);
            try {
                persisted.add(source, t);
            } catch (RuntimeException e) {
                log.accept("WARNING: Vault source " + source + ": cannot record the accessor " + t.accessor() + " of Keyway's "
                        + "token in the store (" + e.getClass().getSimpleName() + "); a sweep after a restart will not see it");
            }
        }
    }

    /** Adds the tokens remembered in the store (minted before a restart or by another node) once. */
    private void load() {
        if (loaded) {
            return;
        }
        try {
            for (TokenIdentity t : persisted.load(source)) {
                if (minted.stream().noneMatch(m -> m.accessor().equals(t.accessor()))) {
                    minted.add(t);
                }
            }
            loaded = true;
        } catch (RuntimeException e) {
            log.accept("WARNING: Vault source " + source + ": cannot read the accessors of the tokens Keyway minted from the "
                    + "store (" + e.getClass().getSimpleName() + "); this sweep sees only this process's");
        }
    }

    private Current accept(String stampNow, Current c) {
        state = State.OURS;
        stamp = stampNow;
        current = c;
        failure = null;
        return c;
    }

    private Current fail(String stampNow, String message) throws SourceFailure {
        state = State.FAILED;
        stamp = stampNow;
        current = null;
        failure = new SourceFailure(SourceFailure.Kind.AUTH, message + ". Recover with: " + recovery());
        log.accept("FAILED: Vault source " + source + ": " + failure.getMessage());
        throw failure;
    }

    /** The command an operator allowed to create Keyway's token runs to repair the file by hand. */
    String recovery() {
        TokenExpectation e = expected != null ? expected : pinned;
        StringBuilder b = new StringBuilder("VAULT_ADDR=" + addr + " vault token create -orphan");
        List<String> p = e == null ? List.of() : policies(e);
        if (p.isEmpty()) {
            b.append(" -policy=POLICY");
        }
        p.forEach(x -> b.append(" -policy=").append(x));
        Duration period = e != null && e.period() != null ? e.period() : DEFAULT_PERIOD;
        b.append(" -period=").append(period.toSeconds()).append("s -display-name=keyway-").append(source)
                .append(" -field=token > ").append(file);
        return b.toString();
    }

    private record Looked(TokenIdentity identity, Duration ttl, boolean renewable, @Nullable String refusal) {}

    /** {@code GET /v1/auth/token/lookup-self}: 401/403 is a refusal (the token is not valid), 5xx and transport errors throw. */
    private Looked lookup(String token) throws SourceFailure {
        VaultKvSource.Response res = vault.call("GET", "/v1/auth/token/lookup-self", token, null);
        if (res.status() == 401 || res.status() == 403) {
            return new Looked(new TokenIdentity("", "", "", new LinkedHashMap<>(), null, true), Duration.ZERO, false, "HTTP " + res.status() + VaultKvSource.errors(res.body()));
        }
        VaultKvSource.check(res, "looking up the token in " + file);
        JsonNode d = res.body().path("data");
        List<String> pol = new ArrayList<>();
        d.path("policies").forEach(n -> pol.add(n.asString("")));
        long periodSeconds = d.path("period").asLong(0);
        TokenIdentity id = new TokenIdentity(d.path("accessor").asString(""), d.path("type").asString("service"),
                d.path("display_name").asString(""), scope(pol), periodSeconds > 0 ? Duration.ofSeconds(periodSeconds) : null, false);
        return new Looked(id, Duration.ofSeconds(d.path("ttl").asLong(0)), d.path("renewable").asBoolean(false), null);
    }

    private void revokeSelf(String token) {
        try {
            vault.call("POST", "/v1/auth/token/revoke-self", token, "{}".getBytes(StandardCharsets.UTF_8));
        } catch (SourceFailure e) {
            // it was never written anywhere; it expires after one period
        }
    }

    /** Policies as compared: sorted, without {@code default} (Vault adds it to every token unless told not to). */
    static java.util.SequencedMap<String, String> scope(List<String> policies) {
        TreeSet<String> p = new TreeSet<>(policies);
        p.remove("default");
        p.remove("");
        java.util.SequencedMap<String, String> m = new LinkedHashMap<>();
        m.put("policies", String.join(",", p));
        return m;
    }

    private static List<String> policies(TokenExpectation e) {
        String p = e.scope().getOrDefault("policies", "");
        return p.isEmpty() ? List.of() : List.of(p.split(","));
    }

    static String stamp(Path p) throws SourceFailure {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
        } catch (IOException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, "cannot read the token file " + p + ": " + e.getClass().getSimpleName());
        }
    }

    /**
     * Replaces {@code target} atomically with its mode kept: a temp file in the same directory
     * (created owner-only, so the token is never readable by others meanwhile), flushed, given the
     * old file's permissions, renamed over it.
     */
    static void replace(Path target, String content) throws IOException {
        @Nullable Set<PosixFilePermission> mode = OwnerOnly.posix(target) ? Files.getPosixFilePermissions(target) : null;
        Path dir = java.util.Objects.requireNonNull(target.toAbsolutePath().getParent());
        Path tmp = OwnerOnly.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (mode != null) {
                Files.setPosixFilePermissions(tmp, mode);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
