package dev.keyway.server;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.crypto.Aead;
import dev.keyway.core.crypto.DataKeys;
import dev.keyway.core.crypto.MasterKey;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Vaults and their credentials: the only place that encrypts and decrypts credential values.
 *
 * <p>Each vault has a random data key, stored wrapped by the master key (AAD = vault id). Credential
 * values are sealed with the vault's data key, AAD = (vault id, credential name, version), so a
 * ciphertext copied to another row or vault fails to decrypt. Unwrapped data keys are cached in
 * memory so the proxy can decrypt without touching the master key on each request.
 */
public final class VaultService {
    /** Credential values above this size are refused (they are API keys, not files). */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    public static final Set<String> POLICIES = Set.of("tunnel", "intercept", "deny");
    /** Meta key: the unmatched-host policy new vaults start with (the owner sets it in the console); default tunnel. */
    public static final String META_DEFAULT_UNMATCHED = "vault.default_unmatched";

    private final Store store;
    private final Supplier<MasterKey> masterKey;
    private final Runnable onChange;
    private final Map<String, byte[]> dataKeys = new ConcurrentHashMap<>();

    public VaultService(Store store, Supplier<MasterKey> masterKey, Runnable onChange) {
        this.store = store;
        this.masterKey = masterKey;
        this.onChange = onChange;
    }

    public VaultRecord create(String name, String actor) {
        Names.vault(name);
        byte[] dek = DataKeys.generate();
        try {
            // The AAD of the wrapped key is the vault id, known only after insert: both writes share one transaction.
            VaultRecord created = store.atomically(st -> {
                VaultRecord v = st.createVault(name, new byte[0], actor);
                byte[] wrapped = masterKey.get().wrap(dek, Aad.vaultKey(v.id()));
                st.rewrapVaultKeys(r -> r.id().equals(v.id()) ? wrapped : r.wrappedKey(), Map.of());
                String initial = st.meta(META_DEFAULT_UNMATCHED).orElse(v.unmatchedPolicy());
                if (POLICIES.contains(initial) && !initial.equals(v.unmatchedPolicy())) {
                    st.setUnmatchedPolicy(v.id(), initial);
                }
                return v;
            });
            dataKeys.put(created.id(), dek.clone());
            onChange.run();
            return store.vaultById(created.id()).orElseThrow();
        } finally {
            Arrays.fill(dek, (byte) 0);
        }
    }

    public List<VaultRecord> list() {
        return store.listVaults();
    }

    public VaultRecord get(String name) {
        return store.vaultByName(name)
                .orElseThrow(() -> KeywayException.notFound("vault '" + Names.printable(name) + "' does not exist"));
    }

    public void delete(String name) {
        VaultRecord v = get(name);
        if (name.equals("default")) {
            throw new KeywayException(ErrorType.CONFLICT, "the default vault cannot be deleted");
        }
        store.deleteVault(v.id());
        byte[] k = dataKeys.remove(v.id());
        if (k != null) {
            Arrays.fill(k, (byte) 0);
        }
        onChange.run();
    }

    public VaultRecord setPolicy(String name, String policy) {
        if (!POLICIES.contains(policy)) {
            throw KeywayException.validation("unmatched", "unmatched-host policy must be one of tunnel, intercept, deny (got '"
                    + Names.printable(policy) + "')");
        }
        VaultRecord v = get(name);
        store.setUnmatchedPolicy(v.id(), policy);
        onChange.run();
        return get(name);
    }

    public CredentialRecord setCredential(String vault, String name, byte[] value, @Nullable String description, String actor) {
        Names.credential(name);
        if (value.length == 0) {
            throw KeywayException.validation("value", "credential value is empty");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw KeywayException.validation("value", "credential value is larger than " + MAX_VALUE_BYTES + " bytes");
        }
        if (description != null && description.length() > 500) {
            throw KeywayException.validation("description", "description is longer than 500 characters");
        }
        VaultRecord v = get(vault);
        byte[] dek = dataKey(v);
        CredentialRecord r = store.putCredential(v.id(), name, description, actor,
                version -> Aead.seal(dek, value, Aad.credential(v.id(), name, version)));
        onChange.run();
        return r;
    }

    /** Tells the runtime that credentials changed behind this service (a linked credential was written to the store). */
    public void changed() {
        onChange.run();
    }

    public List<CredentialRecord> listCredentials(String vault) {
        return store.listCredentials(get(vault).id());
    }

    public CredentialRecord credential(String vault, String name) {
        VaultRecord v = get(vault);
        return store.credential(v.id(), name).orElseThrow(() -> KeywayException.notFound(
                "credential '" + Names.printable(name) + "' does not exist in vault '" + vault + "'"));
    }

    public void deleteCredential(String vault, String name) {
        VaultRecord v = get(vault);
        if (!store.deleteCredential(v.id(), name)) {
            throw KeywayException.notFound("credential '" + Names.printable(name) + "' does not exist in vault '" + vault + "'");
        }
        onChange.run();
    }

    /** Decrypts a credential value. The caller owns (and should wipe) the returned array. */
    public byte[] decrypt(CredentialRecord c) {
        VaultRecord v = store.vaultById(c.vaultId()).orElseThrow(() -> KeywayException.notFound("vault gone"));
        return Aead.open(dataKey(v), c.ciphertext(), Aad.credential(c.vaultId(), c.name(), c.version()));
    }

    /** Decrypts with a data key already known to belong to the vault (the hot-path variant). */
    public byte[] decrypt(VaultRecord v, CredentialRecord c) {
        return Aead.open(dataKey(v), c.ciphertext(), Aad.credential(c.vaultId(), c.name(), c.version()));
    }

    /**
     * Seals instance-level secrets (a credential source's authentication secrets) with the
     * {@code default} vault's data key, exactly like a credential value (AES-GCM, bound to
     * {@code aad}); master-key rotation re-wraps the data key and leaves these untouched.
     */
    public byte[] sealInstanceSecret(byte[] plaintext, byte[] aad) {
        return Aead.seal(dataKey(get("default")), plaintext, aad);
    }

    /** Opens what {@link #sealInstanceSecret} sealed; the caller owns (and should wipe) the result. */
    public byte[] openInstanceSecret(byte[] ciphertext, byte[] aad) {
        return Aead.open(dataKey(get("default")), ciphertext, aad);
    }

    /** Seals other secrets of a vault (an OAuth credential's client secret and refresh token) with its data key, bound to {@code aad}. */
    public byte[] sealForVault(VaultRecord v, byte[] plaintext, byte[] aad) {
        return Aead.seal(dataKey(v), plaintext, aad);
    }

    /** Opens what {@link #sealForVault} sealed; the caller owns (and should wipe) the result. */
    public byte[] openForVault(VaultRecord v, byte[] ciphertext, byte[] aad) {
        return Aead.open(dataKey(v), ciphertext, aad);
    }

    byte[] dataKey(VaultRecord v) {
        return dataKeys.computeIfAbsent(v.id(), id -> masterKey.get().unwrap(v.wrappedKey(), Aad.vaultKey(id)));
    }

    /** Re-wraps a vault key for master-key rotation. */
    public byte[] rewrap(String vaultId, byte[] wrapped, MasterKey next) {
        byte[] dek = masterKey.get().unwrap(wrapped, Aad.vaultKey(vaultId));
        try {
            return next.wrap(dek, Aad.vaultKey(vaultId));
        } finally {
            Arrays.fill(dek, (byte) 0);
        }
    }

    /** Gives a user or agent a role on a vault (replacing any previous role). */
    public void grant(String subjectId, VaultRecord vault, dev.keyway.server.auth.VaultRole role) {
        store.setGrant(subjectId, vault.id(), role.wire());
        onChange.run();
    }

    /** Removes a subject's role on a vault; false if it had none. */
    public boolean ungrant(String subjectId, VaultRecord vault) {
        boolean removed = store.removeGrant(subjectId, vault.id());
        onChange.run();
        return removed;
    }

    /** Ensures the {@code default} vault exists (first start). */
    public void ensureDefaultVault() {
        if (store.vaultByName("default").isEmpty()) {
            create("default", "system");
        }
    }
}
