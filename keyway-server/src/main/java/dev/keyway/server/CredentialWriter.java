package dev.keyway.server;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.crypto.Aead;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import org.jspecify.annotations.Nullable;

/**
 * Writes a credential value as one step of a larger store transaction (approving a proposal sets
 * credentials and adds services all or nothing). Same rules and encryption as
 * {@link VaultService#setCredential}, but it does not refresh the runtime snapshot: the caller does
 * that once the whole transaction has committed, so the proxy never sees uncommitted state.
 */
public final class CredentialWriter {
    private CredentialWriter() {}

    /**
     * Seals {@code value} with the vault's data key (AAD = vault id, name, version) and stores it
     * through {@code st}, which may be the store handed to {@link Store#atomically} work. The caller
     * owns (and wipes) {@code value}.
     */
    public static CredentialRecord put(Store st, VaultService vaults, VaultRecord v, String name, byte[] value,
            @Nullable String description, String actor) {
        Names.credential(name);
        if (value.length == 0) {
            throw KeywayException.validation("value", "the value for credential " + name + " is empty");
        }
        if (value.length > VaultService.MAX_VALUE_BYTES) {
            throw KeywayException.validation("value", "the value for credential " + name + " is larger than "
                    + VaultService.MAX_VALUE_BYTES + " bytes");
        }
        if (description != null && description.length() > 500) {
            throw KeywayException.validation("description", "description is longer than 500 characters");
        }
        byte[] dek = vaults.dataKey(v);
        return st.putCredential(v.id(), name, description, actor,
                version -> Aead.seal(dek, value, Aad.credential(v.id(), name, version)));
    }
}
