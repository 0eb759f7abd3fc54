package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import org.jspecify.annotations.Nullable;

/**
 * One console request by a signed-in user: the raw request, the session, the submitted form (empty
 * for GET) and the in-process API client acting as that user.
 */
record Ctx(ApiRequest req, WebSession session, Form form, InProcessApi.Client api) {
    String param(String name) {
        return req.param(name);
    }

    @Nullable String query(String name) {
        return req.queryParam(name);
    }

    /** A 200 page in the console shell. */
    ApiResponse page(String title, String nav, Html body) {
        return page(200, title, nav, body);
    }

    ApiResponse page(int status, String title, String nav, Html body) {
        return Layout.respond(status, Layout.page(session, title, nav, body, req.queryParam("done"), pendingProposals()));
    }

    /** Pending proposals this user may see (for the navigation badge); 0 if they cannot be listed. */
    private int pendingProposals() {
        try {
            return api.get("/v1/proposals?status=pending&limit=100").path("proposals").size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** 303 to a local path, optionally with a fixed notice code. */
    static ApiResponse redirect(String path, @Nullable String done) {
        return Layout.secure(ApiResponse.redirect(done == null ? path : Urls.withQuery(path, "done", done)));
    }

    Html csrf() {
        return Layout.csrfField(session.csrf());
    }

    /** Field errors from a validation failure; other failures become the form-level message. */
    static Fields.Errors errors(KeywayException e, java.util.function.UnaryOperator<String> fieldMap) {
        Object f = e.extras().get("field");
        String field = f == null ? "" : fieldMap.apply(f.toString());
        return Fields.Errors.of(field, e.detail());
    }

    /** The browser-facing base URL of this server (for the "connect your agent" snippet). */
    String baseUrl() {
        String host = req.header("host");
        if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
            host = "127.0.0.1:" + req.remote().getPort();
        }
        return (Guard.https(req) ? "https://" : "http://") + host;
    }
}
