package dev.keyway.server.aws;

import dev.keyway.store.audit.AuditLog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit records of Keyway's AWS activity ({@code "type":"aws"}): every STS call, every
 * credential_process issue and every request re-signed in the proxy, with role ARN, account,
 * region, service and operation where known. Never a key, secret, session token or signature.
 */
public final class AwsAudit {
    private static final Logger log = LoggerFactory.getLogger(AwsAudit.class);
    private final @Nullable AuditLog audit;

    /** @param audit the audit log, or null (tests of components that do not audit) */
    public AwsAudit(@Nullable AuditLog audit) {
        this.audit = audit;
    }

    /**
     * Appends {@code fields} as an {@code aws} record with {@code action}; null values are left out.
     * When {@code durable} the future completes once the record is fsynced.
     */
    public CompletableFuture<Void> record(String action, Map<String, @Nullable Object> fields, boolean durable) {
        if (audit == null) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "aws");
        m.put("action", action);
        fields.forEach((k, v) -> {
            if (v != null) {
                m.put(k, v);
            }
        });
        try {
            return audit.append(m, durable).thenApply(seq -> null);
        } catch (RuntimeException e) {
            log.warn("aws audit append failed: {}", e.toString());
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The account id of a role or session ARN ({@code arn:aws:iam::123456789012:role/R} → {@code 123456789012}). */
    public static @Nullable String account(String arn) {
        String[] f = arn.split(":", 6);
        return f.length == 6 && !f[4].isEmpty() ? f[4] : null;
    }
}
