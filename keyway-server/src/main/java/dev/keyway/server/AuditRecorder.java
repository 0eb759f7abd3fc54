package dev.keyway.server;

import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.server.api.AuditTrail;
import dev.keyway.server.auth.Principal;
import dev.keyway.store.audit.AuditJson;
import dev.keyway.store.audit.AuditLog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns proxy events and control-plane actions into audit-log records (one JSON line each).
 * Proxy decisions that inject a credential are appended durably (fsync, group-committed) and the
 * proxy waits for that before forwarding; everything else is appended without waiting.
 */
public final class AuditRecorder implements AuditSink, AuditTrail {
    private static final Logger log = LoggerFactory.getLogger(AuditRecorder.class);
    private final AuditLog audit;
    /** The cluster node name every record carries, or null on a single node (records unchanged). */
    private final @Nullable String node;

    public AuditRecorder(AuditLog audit) {
        this(audit, null);
    }

    /** @param node this node's name, written into every record so a cluster's records say where they happened */
    public AuditRecorder(AuditLog audit, @Nullable String node) {
        this.audit = audit;
        this.node = node;
    }

    private AuditJson withNode(AuditJson j) {
        return node == null ? j : j.put("node", node);
    }

    @Override
    public CompletableFuture<Void> decision(ProxyAuditEvent event) {
        return audit.append(withNode(toJson(event)), AuditLog.Commit.GROUPED).thenApply(seq -> null);
    }

    /** Forces the decisions of the proxy's last event-loop pass together (one fsync for all of them). */
    @Override
    public void commitDecisions() {
        audit.commit();
    }

    @Override
    public void completed(ProxyAuditEvent event) {
        audit.append(withNode(toJson(event)), false).exceptionally(t -> {
            log.warn("audit append failed: {}", t.toString());
            return null;
        });
    }

    @Override
    public void record(Principal who, String action, String vault, Map<String, Object> details) {
        try {
            append(who, action, vault, details);
        } catch (RuntimeException e) {
            log.error("audit append failed for control-plane action {}: {}", action, e.toString());
        }
    }

    @Override
    public void recordOrFail(Principal who, String action, String vault, Map<String, Object> details) {
        try {
            append(who, action, vault, details);
        } catch (RuntimeException e) {
            log.error("audit append failed for control-plane action {}: {}", action, e.toString());
            throw new KeywayException(ErrorType.AUDIT_UNAVAILABLE, "the audit log cannot be written; refusing " + action);
        }
    }

    private void append(Principal who, String action, String vault, Map<String, Object> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "control");
        m.put("action", action);
        if (!vault.isEmpty()) {
            m.put("vault", vault);
        }
        m.put("actor", who.actor());
        m.put("token_id", who.tokenId());
        m.putAll(details);
        if (node != null) {
            m.put("node", node);
        }
        try {
            audit.append(m, true).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e.getCause() == null ? e.toString() : e.getCause().toString());
        }
    }

    /**
     * A security alert (type {@code alert}): something an operator must look at, such as a decoy
     * credential used through the proxy. Appended durably; a failure is logged, never thrown (the
     * request it is about is refused either way).
     */
    public void alert(String action, Map<String, Object> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "alert");
        m.put("action", action);
        m.putAll(details);
        if (node != null) {
            m.put("node", node);
        }
        audit.append(m, true).exceptionally(t -> {
            log.error("audit append failed for alert {}: {}", action, t.toString());
            return null;
        });
    }

    /** A system event (start, stop) not attributable to a caller. */
    public void system(String action, Map<String, Object> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "system");
        m.put("action", action);
        m.putAll(details);
        if (node != null) {
            m.put("node", node);
        }
        audit.append(m, true).exceptionally(t -> null);
    }

    /**
     * The record of a proxy event, field for field what a {@code LinkedHashMap} through Jackson
     * produced before, built without the map (this runs twice per injected request).
     */
    static AuditJson toJson(ProxyAuditEvent e) {
        AuditJson j = new AuditJson();
        j.put("type", e.kind());
        j.put("time", e.time().toString());
        j.put("request_id", e.requestId());
        j.put("vault", e.vault());
        j.put("token_id", e.tokenId());
        j.put("actor", e.actor());
        j.put("client", e.client());
        j.put("method", e.method());
        j.put("host", e.host());
        j.put("port", e.port());
        // a request refused for a decoy may carry it in its path: the decoy stays out of the log
        j.put("path", ErrorType.DECOY_CREDENTIAL_USED.slug().equals(e.errorType()) ? "[redacted: decoy]" : e.path());
        j.put("service", e.service());
        j.put("injected", e.injected());
        if (!e.credentials().isEmpty()) {
            j.put("credentials", e.credentials());
        }
        if (e.status() != 0) {
            j.put("status", e.status());
        }
        if (!e.kind().equals("decision")) {
            j.put("bytes_in", e.bytesIn());
            j.put("bytes_out", e.bytesOut());
            j.put("duration_ms", e.durationMillis());
        }
        j.put("error_type", e.errorType());
        j.put("mode", e.mode());
        if (e.reason() != null) {
            j.put("reason", e.reason()); // why proxy authentication failed (AuthFailure slug)
        }
        if (e.redactions() >= 0) {
            j.put("redactions", e.redactions()); // echoed secrets replaced in the response (never the values)
        }
        if (e.count() > 1) {
            j.put("count", e.count()); // a summary of repeated failures (see ProxyConfig.AuthFailures)
        }
        return j;
    }
}
