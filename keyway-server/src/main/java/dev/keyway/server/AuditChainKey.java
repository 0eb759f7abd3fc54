package dev.keyway.server;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.crypto.DataKeys;
import dev.keyway.core.crypto.MasterKey;
import dev.keyway.store.Store;
import dev.keyway.store.audit.AuditChain;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditVerification;
import java.util.Arrays;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit hash-chain key: 32 random bytes stored in the store's {@value #META} meta entry, sealed
 * under the master key like the CA key (so whoever can edit {@code audit.jsonl}, or read
 * {@code keyway.db} without the master key, cannot recompute the chain). It is random rather than
 * derived from the master key so that a master-key rotation only re-seals it ({@link #rewrap}) and
 * the chain continues.
 */
public final class AuditChainKey {
    private static final Logger log = LoggerFactory.getLogger(AuditChainKey.class);

    /** The meta entry holding the sealed key (Base64). */
    public static final String META = "audit.chain.key";

    /** How many of the newest records the server checks at start. */
    static final long START_CHECK_RECORDS = 10_000;

    private AuditChainKey() {}

    /** Loads the key, creating and sealing it on the first start that has none. */
    static AuditChain loadOrCreate(Store store, MasterKey master, String instanceId) {
        var sealed = store.meta(META);
        if (sealed.isEmpty()) {
            byte[] key = DataKeys.generate();
            try {
                store.putMetaIfAbsent(META, Base64.getEncoder().encodeToString(master.seal(key, Aad.auditChainKey(instanceId))));
            } finally {
                Arrays.fill(key, (byte) 0);
            }
            sealed = store.meta(META);
        }
        byte[] key = master.open(Base64.getDecoder().decode(sealed.orElseThrow()), Aad.auditChainKey(instanceId));
        try {
            return AuditChain.of(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Re-seals the stored key from the current master key to {@code next} (master-key rotation). */
    public static String rewrap(String value, MasterKey current, MasterKey next, String instanceId) {
        byte[] key = current.open(Base64.getDecoder().decode(value), Aad.auditChainKey(instanceId));
        try {
            return Base64.getEncoder().encodeToString(next.seal(key, Aad.auditChainKey(instanceId)));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * Checks the newest {@value #START_CHECK_RECORDS} records (or fewer) and logs the result: a
     * break is logged as an error naming the record, but does not stop the server (the evidence
     * stays in the file for {@code keyway audit verify}; refusing to start would not undo it).
     */
    static AuditVerification checkTail(AuditLog auditLog) {
        long from = Math.max(1, auditLog.lastSeq() - START_CHECK_RECORDS + 1);
        AuditVerification v = auditLog.verify(from);
        switch (v.state()) {
            case INTACT -> log.info("audit chain intact over the newest {} records (seq {}..{}){}", v.checked(), v.firstSeq(),
                    v.lastSeq(), v.unchained() > 0 ? "; " + v.unchained() + " older records predate chaining" : "");
            case BROKEN -> log.error("audit chain BROKEN at {}; the audit log was altered. Run 'keyway audit verify' for the "
                    + "whole log", v.broken() == null ? "?" : v.broken().describe());
        }
        return v;
    }
}
