package dev.keyway.server.api;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.webhook.WebhookNotifier;
import dev.keyway.server.webhook.WebhookPayloads;
import dev.keyway.server.webhook.WebhookUrls;
import dev.keyway.store.Store;
import dev.keyway.store.WebhookRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/webhooks}: instance-level notification targets for new proposals (owner only). URLs
 * are write-only in full: listings show scheme, host and port, plus the delivery health
 * ({@code failures} counts consecutive failed deliveries, {@code last_error} says why).
 */
public final class WebhookRoutes {
    static final int MAX_WEBHOOKS = 20;

    private final Store store;
    private final WebhookNotifier notifier;
    private final ApiAuth auth;
    private final AuditTrail trail;

    public WebhookRoutes(Store store, WebhookNotifier notifier, ApiAuth auth, AuditTrail trail) {
        this.store = store;
        this.notifier = notifier;
        this.auth = auth;
        this.trail = trail;
    }

    /** Body of {@code POST /v1/webhooks}; the URL may itself be a secret (Slack), so it stays out of {@code toString}. */
    public record CreateWebhook(@Nullable String url, @Nullable String format) {
        @Override
        public String toString() {
            return "CreateWebhook[format=" + format + "]";
        }
    }

    public void routes(Router r) {
        r.post("/v1/webhooks", RouteAccess.OWNER, this::create);
        r.get("/v1/webhooks", RouteAccess.OWNER, req -> {
            auth.requireAdmin(req);
            return ApiResponse.ok(Map.of("webhooks", store.listWebhooks().stream().map(WebhookRoutes::view).toList()));
        });
        r.delete("/v1/webhooks/{id}", RouteAccess.OWNER, req -> {
            Principal p = auth.requireAdmin(req);
            WebhookRecord w = find(req.param("id"));
            store.deleteWebhook(w.id());
            trail.record(p, "webhook.remove", "", Map.of("webhook", w.id(), "host", WebhookUrls.host(w.url())));
            return ApiResponse.noContent();
        });
        r.post("/v1/webhooks/{id}/test", RouteAccess.OWNER, req -> {
            auth.requireAdmin(req);
            WebhookRecord w = find(req.param("id"));
            WebhookNotifier.Attempt a = notifier.test(w);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("id", w.id());
            out.put("delivered", a.delivered());
            out.put("status", a.status() == 0 ? null : a.status());
            out.put("error", a.error());
            return ApiResponse.ok(out);
        });
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        CreateWebhook body = req.json(CreateWebhook.class);
        String url = WebhookUrls.validate(body.url()).toString();
        String format = body.format() == null ? WebhookPayloads.JSON : body.format();
        if (!WebhookPayloads.FORMATS.contains(format)) {
            throw KeywayException.validation("format", "format must be one of " + WebhookPayloads.FORMATS);
        }
        if (store.listWebhooks().size() >= MAX_WEBHOOKS) {
            throw KeywayException.conflict("there are already " + MAX_WEBHOOKS + " webhooks; remove one first");
        }
        WebhookRecord w = store.createWebhook(url, format, p.actor());
        trail.record(p, "webhook.add", "", Map.of("webhook", w.id(), "host", WebhookUrls.host(url), "format", format));
        return ApiResponse.created(view(w));
    }

    private WebhookRecord find(String id) {
        return store.listWebhooks().stream().filter(w -> w.id().equals(id)).findFirst()
                .orElseThrow(() -> KeywayException.notFound("no webhook '" + Names.printable(id) + "'"));
    }

    static Map<String, Object> view(WebhookRecord w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("url", WebhookUrls.redact(w.url()));
        m.put("format", w.format());
        m.put("created_at", w.createdAt());
        m.put("created_by", w.createdBy());
        m.put("last_attempt_at", w.lastAttemptAt());
        m.put("last_error", w.lastError());
        m.put("failures", w.failures());
        return m;
    }
}
