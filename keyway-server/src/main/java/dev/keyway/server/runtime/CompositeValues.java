package dev.keyway.server.runtime;

import dev.keyway.core.service.ValueExpression;
import dev.keyway.store.CredentialRecord;
import java.io.ByteArrayOutputStream;
import java.util.function.Supplier;

/**
 * Evaluated composite values ({@link ValueExpression}, e.g. {@code base64(JIRA_EMAIL + ":" +
 * JIRA_TOKEN)}), so an expression is evaluated once per change of the credentials it reads, not once
 * per request (no decrypts, digests or HMACs on the hot path for a steady vault).
 *
 * <p>An entry is keyed by the vault, the expression's canonical source and the name and version of
 * every credential it reads, and, like a credential entry, a hit also requires the same ciphertexts:
 * a rotated (new version) or re-sealed value is never served from the cache. Entries live in a
 * {@link CredentialCache}, so the same memory bound applies: plaintext stays at most the cache's TTL
 * after it was computed and is wiped when dropped. A credential that is missing from the vault is not
 * cached at all: the evaluation runs and refuses it.
 */
final class CompositeValues {
    private final CredentialCache cache;

    CompositeValues(CredentialCache cache) {
        this.cache = cache;
    }

    /** The value of {@code e} in vault {@code vr}: cached, or computed by {@code evaluate}; the caller owns the array. */
    byte[] get(VaultRuntime vr, ValueExpression e, Supplier<byte[]> evaluate) {
        StringBuilder key = new StringBuilder(64).append('{').append(e.source()).append('}');
        ByteArrayOutputStream ciphertexts = new ByteArrayOutputStream(256);
        for (String name : e.credentialNames()) {
            CredentialRecord c = vr.credentials().get(name);
            if (c == null) {
                return evaluate.get(); // refuses the missing credential by name
            }
            key.append(' ').append(name).append('@').append(c.version());
            int n = c.ciphertext().length;
            ciphertexts.write(n >>> 24);
            ciphertexts.write(n >>> 16);
            ciphertexts.write(n >>> 8);
            ciphertexts.write(n);
            ciphertexts.writeBytes(c.ciphertext());
        }
        return cache.get(new CredentialCache.Key(vr.vault().id(), key.toString(), 0), ciphertexts.toByteArray(), evaluate);
    }
}
