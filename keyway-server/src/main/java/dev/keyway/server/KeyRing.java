package dev.keyway.server;

import dev.keyway.core.crypto.KdfParams;
import dev.keyway.core.crypto.KeyCheck;
import dev.keyway.core.crypto.KeyFile;
import dev.keyway.core.crypto.MasterKey;
import dev.keyway.core.crypto.MasterKeys;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.local.DataDir;
import dev.keyway.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unlocks the master key at start-up and rotates it.
 *
 * <p>Two modes, recorded in the store's {@code keyring.kdf} meta entry:
 * <ul>
 *   <li><b>password</b>: the key is Argon2id-derived from {@code KEYWAY_MASTER_PASSWORD}, a password
 *       file or a prompt; the KDF parameters and salt are stored, so they can be raised later.</li>
 *   <li><b>keyfile</b>: a random 256-bit key in {@code master.key} (0600). This is what a first start
 *       without a password creates, so {@code keyway server} works with one command.</li>
 * </ul>
 * Either way a verifier ({@code keyring.check}) lets a wrong password or a foreign key file fail
 * at start-up with a clear message instead of producing garbage later.
 */
public final class KeyRing {
    private static final Logger log = LoggerFactory.getLogger(KeyRing.class);
    static final String META_KDF = "keyring.kdf";
    static final String META_CHECK = "keyring.check";
    static final String KEYFILE = "keyfile";

    private KeyRing() {}

    /** Result of unlocking: the key and whether this start created it. */
    public record Unlocked(MasterKey key, boolean created, String mode) {}

    /**
     * Unlocks (or on first start creates) the master key. The password array is not retained.
     *
     * @throws KeywayException FORBIDDEN-like {@code VALIDATION} errors with an actionable message
     */
    public static Unlocked unlock(Store store, DataDir dir, char @Nullable [] password) {
        String kdf = store.meta(META_KDF).orElse(null);
        if (kdf == null) {
            return initialize(store, dir, password);
        }
        String check = store.meta(META_CHECK)
                .orElseThrow(() -> startError("the key ring in " + dir.database() + " has no verifier; the database is damaged"));
        if (kdf.equals(KEYFILE)) {
            if (password != null) {
                log.warn("a master password was given, but this data dir uses a key file ({}); the password is ignored",
                        dir.masterKeyFile());
            }
            return new Unlocked(readKeyFile(dir, check), false, KEYFILE);
        }
        if (password == null) {
            throw startError("this Keyway data dir is protected by a master password: set KEYWAY_MASTER_PASSWORD, "
                    + "use --master-password-file FILE, or start interactively to be prompted");
        }
        MasterKey key = MasterKeys.deriveFromPassword(password, KdfParams.decode(kdf));
        if (!KeyCheck.matches(key, check)) {
            key.wipe();
            throw startError("wrong master password for " + dir.root());
        }
        return new Unlocked(key, false, "password");
    }

    private static Unlocked initialize(Store store, DataDir dir, char @Nullable [] password) {
        MasterKey key;
        String kdf;
        if (password != null) {
            KdfParams params = KdfParams.defaults();
            key = MasterKeys.deriveFromPassword(password, params);
            kdf = params.encode();
        } else {
            if (Files.exists(dir.masterKeyFile())) {
                throw startError("found " + dir.masterKeyFile() + " but the database has no key ring; refusing to guess. "
                        + "Move the file away to start fresh, or restore the matching keyway.db");
            }
            key = KeyFile.createNew(dir.masterKeyFile());
            kdf = KEYFILE;
        }
        String check = KeyCheck.create(key);
        // one transaction that re-checks: of several cluster nodes starting on an empty database, one seals it
        boolean sealed = store.atomically(s -> {
            if (s.meta(META_KDF).isPresent()) {
                return false;
            }
            s.putMeta(META_CHECK, check);
            s.putMeta(META_KDF, kdf);
            return true;
        });
        if (!sealed) {
            key.wipe();
            if (password == null) {
                try {
                    Files.deleteIfExists(dir.masterKeyFile());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            // another node sealed it meanwhile: unlock against its verifier (a wrong key fails there, clearly)
            return unlock(store, dir, password);
        }
        return new Unlocked(key, true, password != null ? "password" : KEYFILE);
    }

    private static MasterKey readKeyFile(DataDir dir, String check) {
        if (Files.exists(dir.masterKeyFile())) {
            MasterKey key = KeyFile.read(dir.masterKeyFile());
            if (KeyCheck.matches(key, check)) {
                return key;
            }
            key.wipe();
        }
        // A rotation may have committed the database but not yet renamed the new key file.
        if (Files.exists(dir.pendingMasterKeyFile())) {
            MasterKey next = KeyFile.read(dir.pendingMasterKeyFile());
            if (KeyCheck.matches(next, check)) {
                try {
                    Files.move(dir.pendingMasterKeyFile(), dir.masterKeyFile(),
                            StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                log.info("completed an interrupted master-key rotation ({} installed)", dir.masterKeyFile());
                return next;
            }
            next.wipe();
        }
        if (!Files.exists(dir.masterKeyFile())) {
            throw startError("master key file " + dir.masterKeyFile() + " is missing; without it the vault cannot be "
                    + "decrypted. Restore it from backup");
        }
        throw startError("master key file " + dir.masterKeyFile() + " does not match this database");
    }

    /**
     * Rotates the master key: derives or generates a new key, re-wraps every vault data key and
     * every meta entry listed in {@code rewrapMeta} (e.g. the CA key) in one store transaction.
     *
     * @param newPassword the new password, or null to switch to (or renew) a random key file
     * @param rewrapMeta meta entries holding wrapped material, with a function re-wrapping one value
     * @return the new master key (the caller swaps it in and wipes the old one)
     */
    public static MasterKey rotate(
            Store store, DataDir dir, MasterKey current, char @Nullable [] newPassword,
            Map<String, MetaRewrapper> rewrapMeta, VaultKeyRewrapper vaultKeys) {
        MasterKey next;
        String kdf;
        if (newPassword != null) {
            KdfParams params = KdfParams.defaults();
            next = MasterKeys.deriveFromPassword(newPassword, params);
            kdf = params.encode();
            Arrays.fill(newPassword, '\0');
        } else {
            try {
                Files.deleteIfExists(dir.pendingMasterKeyFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            next = KeyFile.createNew(dir.pendingMasterKeyFile());
            kdf = KEYFILE;
        }
        Map<String, String> meta = new HashMap<>();
        meta.put(META_KDF, kdf);
        meta.put(META_CHECK, KeyCheck.create(next));
        rewrapMeta.forEach((k, f) -> store.meta(k).ifPresent(v -> meta.put(k, f.rewrap(v, next))));
        store.rewrapVaultKeys(v -> vaultKeys.rewrap(v.id(), v.wrappedKey(), next), meta);
        try {
            if (newPassword == null) {
                Files.move(dir.pendingMasterKeyFile(), dir.masterKeyFile(),
                        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(dir.masterKeyFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rotation committed but the key file could not be finalized: " + e.getMessage(), e);
        }
        return next;
    }

    /** Re-wraps one meta value (e.g. the sealed CA key) from the current master key to {@code next}. */
    @FunctionalInterface
    public interface MetaRewrapper {
        String rewrap(String value, MasterKey next);
    }

    /** Re-wraps one vault data key from the current master key to {@code next}. */
    @FunctionalInterface
    public interface VaultKeyRewrapper {
        byte[] rewrap(String vaultId, byte[] wrapped, MasterKey next);
    }

    private static KeywayException startError(String msg) {
        return new KeywayException(ErrorType.FORBIDDEN, msg);
    }
}
