package dev.keyway.server.source;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.VaultService;
import dev.keyway.server.http.Json;
import dev.keyway.store.SourceRecord;
import dev.keyway.store.Store;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;

/**
 * Credential sources: add (validated, auth secrets sealed like credential values), list, remove
 * (refused while linked credentials use it), test, and the opened adapters the cache fetches
 * through (one per source, reopened when its configuration changes, so an adapter's token state
 * survives between fetches). Also keeps each source's health (last success, last error) in memory
 * for {@code source list}, {@code source show} and {@code doctor}.
 */
public final class SourceService {
    public static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,62}$");
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};

    /** What {@code doctor} and {@code source show} report; never a value. */
    public record Health(@Nullable Instant lastSuccess, @Nullable Instant lastErrorAt, @Nullable String lastError) {
        static final Health NONE = new Health(null, null, null);
    }

    private record Opened(String id, Instant updatedAt, int secretsVersion, SecretSource source) {}

    private final Store store;
    private final VaultService vaults;
    private final SourceTypes.Deps deps;
    private final Runnable onChange;
    private final ConcurrentHashMap<String, Opened> opened = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Health> health = new ConcurrentHashMap<>();
    private volatile @Nullable LinkedValues values;

    public SourceService(Store store, VaultService vaults, SourceTypes.Deps deps, Runnable onChange) {
        this.store = store;
        this.vaults = vaults;
        // Vault sources keep the accessors of the tokens they mint in the store: a sweep after a restart sees them
        this.deps = deps.vaultMinted() == VaultMintedTokens.NONE ? deps.withVaultMinted(VaultMintedTokens.of(store, deps.clock()))
                : deps;
        this.onChange = onChange;
    }

    /** The cache whose values must be dropped when a source changes (set once at wiring). */
    public void attach(LinkedValues v) {
        this.values = v;
    }

    public Clock clock() {
        return deps.clock();
    }

    /** Creates or replaces a source; the secrets are sealed and never returned. */
    public SourceRecord put(String name, String type, Map<String, Object> settings, Map<String, String> secrets, String actor) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw KeywayException.validation("name", "source names are 1-63 characters: a-z, 0-9, '_', '.', '-'");
        }
        SourceTypes.validate(name, type, settings, secrets, deps);
        String settingsJson = new String(Json.write(settings), StandardCharsets.UTF_8);
        byte[] plain = secrets.isEmpty() ? null : Json.write(secrets);
        SourceRecord r;
        try {
            r = store.putSource(name, type, settingsJson,
                    version -> plain == null ? null : vaults.sealInstanceSecret(plain, Aad.sourceSecrets(name, version)), actor);
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
        opened.remove(name);
        health.remove(name);
        LinkedValues v = values;
        if (v != null) {
            v.invalidate(name);
        }
        open(name); // here, on the API's thread: the proxy's first use then reads no database
        onChange.run();
        return r;
    }

    /**
     * Drops the adapter, health and cached values of every opened source that another process
     * (another node of a cluster) changed or removed since it was opened, so a source edit or
     * removal made through any node takes effect on this one at its next sync, not only after
     * the values' TTL or a restart. Runs after each snapshot rebuild, off the proxy's path.
     */
    public void reconcile() {
        if (opened.isEmpty()) {
            return;
        }
        Map<String, SourceRecord> now = new java.util.HashMap<>();
        for (SourceRecord r : store.listSources()) {
            now.put(r.name(), r);
        }
        for (Map.Entry<String, Opened> e : opened.entrySet()) {
            String name = e.getKey();
            Opened o = e.getValue();
            SourceRecord r = now.get(name);
            boolean same = r != null && r.id().equals(o.id()) && r.updatedAt().equals(o.updatedAt())
                    && r.secretsVersion() == o.secretsVersion();
            if (!same && opened.remove(name, o)) {
                health.remove(name);
                LinkedValues v = values;
                if (v != null) {
                    v.invalidate(name);
                }
                org.slf4j.LoggerFactory.getLogger(SourceService.class).info("source {} was {} elsewhere; its cached values are dropped",
                        name, r == null ? "removed" : "changed");
            }
        }
    }

    public List<SourceRecord> list() {
        return store.listSources();
    }

    public SourceRecord get(String name) {
        return store.source(name).orElseThrow(() -> KeywayException.notFound("source '" + safe(name) + "' does not exist; "
                + "see 'keyway source list'"));
    }

    public void remove(String name) {
        get(name);
        store.deleteSource(name);
        opened.remove(name);
        health.remove(name);
        LinkedValues v = values;
        if (v != null) {
            v.invalidate(name);
        }
        onChange.run();
    }

    /** The non-secret settings of a source, as stored. */
    public static Map<String, Object> settings(SourceRecord r) {
        return Json.MAPPER.readValue(r.settingsJson(), OBJECT);
    }

    /** The names (never the values) of the secrets a source holds. */
    public List<String> secretNames(SourceRecord r) {
        Map<String, String> s = secrets(r);
        List<String> names = List.copyOf(new java.util.TreeSet<>(s.keySet()));
        s.replaceAll((k, v) -> "");
        return names;
    }

    /**
     * Opens every configured source (at start), so the proxy's first use of each reads no database;
     * a source that cannot be opened is logged and left to fail closed on use.
     */
    public void openAll() {
        for (SourceRecord r : store.listSources()) {
            try {
                open(r.name());
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SourceService.class).warn("source {} cannot be opened: {}", r.name(),
                        e instanceof KeywayException k ? k.detail() : e.getClass().getSimpleName());
            }
        }
    }

    /** The adapter of the named source (opened once per configuration); NOT_FOUND when none. */
    public SecretSource open(String name) {
        Opened o = opened.get(name);
        if (o != null) {
            return o.source();
        }
        SourceRecord r = get(name);
        SecretSource s = SourceTypes.open(r.name(), r.type(), settings(r), secrets(r), deps);
        opened.put(name, new Opened(r.id(), r.updatedAt(), r.secretsVersion(), s));
        return s;
    }

    /** Fetches {@code ref} once, bypassing the cache (for {@code source test}); the caller wipes the value. */
    public Fetched test(String name, String ref) throws SourceFailure {
        SecretSource s = open(name);
        s.checkRef(ref);
        try {
            Fetched f = s.fetch(ref);
            recordHealth(name, null);
            return f;
        } catch (SourceFailure e) {
            recordHealth(name, e);
            throw e;
        }
    }

    public Health health(String name) {
        return health.getOrDefault(name, Health.NONE);
    }

    /** Records a fetch outcome (from the cache's listener or a test). */
    public void recordHealth(String name, @Nullable SourceFailure failure) {
        Instant now = deps.clock().instant();
        health.compute(name, (k, h) -> {
            Health old = h == null ? Health.NONE : h;
            return failure == null ? new Health(now, old.lastErrorAt(), old.lastError())
                    : new Health(old.lastSuccess(), now, failure.describe());
        });
    }

    /** A view for the API: settings, secret names, health; never a secret. */
    public Map<String, Object> view(SourceRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("type", r.type());
        m.put("settings", settings(r));
        m.put("secrets", secretNames(r));
        m.put("created_at", r.createdAt().toString());
        m.put("created_by", r.createdBy());
        m.put("updated_at", r.updatedAt().toString());
        Health h = health(r.name());
        m.put("last_success", h.lastSuccess() == null ? null : h.lastSuccess().toString());
        m.put("last_error_at", h.lastErrorAt() == null ? null : h.lastErrorAt().toString());
        m.put("last_error", h.lastError());
        m.put("used_by", store.credentialsLinkedTo(r.name()).stream()
                .map(c -> store.vaultById(c.vaultId()).map(v -> v.name()).orElse(c.vaultId()) + "/" + c.name()).toList());
        return m;
    }

    private Map<String, String> secrets(SourceRecord r) {
        byte[] sealed = r.secrets();
        if (sealed == null) {
            return new LinkedHashMap<>();
        }
        byte[] plain = vaults.openInstanceSecret(sealed, Aad.sourceSecrets(r.name(), r.secretsVersion()));
        try {
            return Json.MAPPER.readValue(plain, STRINGS);
        } catch (RuntimeException e) {
            throw new KeywayException(ErrorType.INTERNAL, "the secrets of source '" + r.name() + "' cannot be read");
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static String safe(String s) {
        return dev.keyway.core.service.Names.printable(s);
    }
}
