/**
 * Keyway's encryption at rest and token primitives: pure functions over byte arrays, no I/O except
 * {@link dev.keyway.core.crypto.KeyFile}.
 *
 * <h2>Envelope encryption</h2>
 *
 * <pre>
 *   master password --Argon2id(KdfParams)--+
 *                                           +--> MasterKey (32 bytes, never stored)
 *   or key file (random 32 bytes, 0600) ----+        |
 *                                                    | wrap, AAD = vault id
 *                                                    v
 *                                   per-vault data key (random 32 bytes, stored wrapped)
 *                                                    |
 *                                                    | AES-256-GCM, AAD = vault id + credential
 *                                                    v  name + version
 *                                           credential values (stored sealed)
 * </pre>
 *
 * <ul>
 *   <li>The {@link dev.keyway.core.crypto.MasterKey} is derived from the operator's password with
 *       Argon2id ({@link dev.keyway.core.crypto.MasterKeys}, parameters and salt in a stored
 *       {@link dev.keyway.core.crypto.KdfParams} header) or read from a random
 *       {@link dev.keyway.core.crypto.KeyFile}. A stored {@link dev.keyway.core.crypto.KeyCheck}
 *       verifier rejects a wrong password at start-up.
 *   <li>The master key only wraps per-vault data keys ({@link dev.keyway.core.crypto.DataKeys}) and
 *       a few instance secrets such as the proxy CA private key.
 *   <li>Data keys encrypt credential values with {@link dev.keyway.core.crypto.Aead} (AES-256-GCM,
 *       random 96-bit nonce, 128-bit tag, versioned format). The associated data from
 *       {@link dev.keyway.core.crypto.Aad} binds each ciphertext to its vault, credential name and
 *       version, so a ciphertext copied to another row does not decrypt.
 *   <li>Master-key rotation unwraps each data key with the old master key and re-wraps it with the
 *       new one; credential ciphertexts are untouched. Rotating a data key means re-encrypting that
 *       vault's credentials.
 * </ul>
 *
 * <p>Secrets live in {@code byte[]}/{@code char[]} or {@link dev.keyway.core.crypto.SecretValue}
 * and are wiped after use where practical. No exception message or {@code toString()} in this
 * package contains key material, passwords or plaintext.
 *
 * <p>Tokens ({@link dev.keyway.core.crypto.Tokens}) carry a kind prefix and 256 random bits; only
 * their SHA-256 is stored.
 */
@NullMarked
package dev.keyway.core.crypto;

import org.jspecify.annotations.NullMarked;
