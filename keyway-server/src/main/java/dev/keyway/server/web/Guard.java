package dev.keyway.server.web;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.crypto.Tokens;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Handler;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks in front of every console page: who is signed in (session cookie), CSRF on every
 * POST, and the one place where failures become error pages. A POST without a valid CSRF token
 * is answered 403 before the page's code runs.
 */
final class Guard {
    private static final Logger log = LoggerFactory.getLogger(Guard.class);
    static final String SESSION_COOKIE = "kw_session";
    /** Before sign-in: a random value whose HMAC protects the sign-in and first-run forms. */
    static final String PRE_COOKIE = "kw_pre";

    /** A page for a signed-in user. */
    @FunctionalInterface
    interface Page {
        ApiResponse handle(Ctx ctx) throws Exception;
    }

    /** A page for anyone (sign-in, first run); {@code pre} is the pre-session CSRF token for its forms. */
    @FunctionalInterface
    interface Public {
        ApiResponse handle(ApiRequest req, Form form, String csrf) throws Exception;
    }

    private final ApiAuth auth;
    private final InProcessApi api;

    Guard(ApiAuth auth, InProcessApi api) {
        this.auth = auth;
        this.api = api;
    }

    /** Wraps a page that needs a signed-in user; anonymous browsers are sent to the sign-in page. */
    Handler signedIn(Page page) {
        return req -> {
            WebSession s = session(req);
            boolean post = req.method().equals("POST");
            if (s == null) {
                if (post) {
                    return Layout.secure(ApiResponse.redirect("/login"));
                }
                return Layout.secure(ApiResponse.redirect(Urls.withQuery("/login", "next", req.path())));
            }
            Form form = post ? Form.of(req) : Form.empty();
            if (post) {
                String presented = form.has(Csrf.FIELD) ? form.get(Csrf.FIELD) : req.header("x-csrf-token");
                if (!Csrf.valid(s.token(), presented)) {
                    return csrfRejected(s);
                }
            }
            Ctx ctx = new Ctx(req, s, form, api.as(s.token(), req.remote()));
            try {
                return page.handle(ctx);
            } catch (Exception e) {
                return failure(req, s, e);
            }
        };
    }

    /** Wraps a public page; a POST must carry the CSRF token derived from the pre-session cookie. */
    Handler open(Public page) {
        return req -> {
            String presented = cookie(req, PRE_COOKIE);
            boolean fresh = presented == null || presented.length() < 32;
            String pre = presented != null && !fresh ? presented : Tokens.newToken("pre_");
            Form form = Form.empty();
            if (req.method().equals("POST")) {
                form = Form.of(req);
                if (fresh || !Csrf.valid(pre, form.get(Csrf.FIELD))) {
                    return Layout.respond(403, Layout.bare("Request rejected", rejectedBody(), null))
                            .withHeader("Set-Cookie", cookieHeader(req, PRE_COOKIE, pre, Duration.ofHours(2)));
                }
            }
            ApiResponse r;
            try {
                r = page.handle(req, form, Csrf.tokenFor(pre));
            } catch (Exception e) {
                r = failure(req, null, e);
            }
            return fresh && !r.headers().containsKey("Set-Cookie")
                    ? r.withHeader("Set-Cookie", cookieHeader(req, PRE_COOKIE, pre, Duration.ofHours(2)))
                    : r;
        };
    }

    /** The signed-in session of this request, or null (no cookie, expired, revoked, not a session token). */
    @Nullable WebSession session(ApiRequest req) {
        String token = cookie(req, SESSION_COOKIE);
        if (token == null || !token.startsWith("kw_ses_")) {
            return null;
        }
        try {
            Principal p = auth.authenticateToken(token);
            if (!p.type().equals("session")) {
                return null;
            }
            String email = p.actor().startsWith("user:") ? p.actor().substring(5) : p.actor();
            return new WebSession(token, p, email, Csrf.tokenFor(token));
        } catch (KeywayException e) {
            return null;
        }
    }

    static @Nullable String cookie(ApiRequest req, String name) {
        String h = req.header("cookie");
        if (h == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.LAX.decode(h)) {
            if (c.name().equals(name)) {
                return c.value();
            }
        }
        return null;
    }

    /** HttpOnly, SameSite=Strict, Path=/, Secure when the browser reached us over HTTPS (a TLS-terminating proxy). */
    static String cookieHeader(ApiRequest req, String name, String value, Duration maxAge) {
        DefaultCookie c = new DefaultCookie(name, value);
        c.setHttpOnly(true);
        c.setPath("/");
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setSecure(https(req));
        c.setMaxAge(maxAge.toSeconds());
        return ServerCookieEncoder.STRICT.encode(c);
    }

    static boolean https(ApiRequest req) {
        return "https".equalsIgnoreCase(req.header("x-forwarded-proto"));
    }

    private static ApiResponse csrfRejected(WebSession s) {
        return Layout.respond(403, Layout.page(s, "Request rejected", "", rejectedBody(), null));
    }

    private static Html rejectedBody() {
        return Html.t("""
                <h1>Request rejected</h1>
                <p class="notice error">This form was missing its security token (CSRF protection), or the token belongs to
                another session. Nothing was changed. Go back, reload the page and try again.</p>
                """);
    }

    /** Maps a failure to an error page (or a sign-in redirect when the session ended meanwhile). */
    static ApiResponse failure(ApiRequest req, @Nullable WebSession s, Exception e) {
        if (e instanceof KeywayException k) {
            if (k.type() == ErrorType.UNAUTHORIZED && s != null) {
                return Layout.secure(ApiResponse.redirect("/login"));
            }
            return error(s, k.type().status(), k.type().title(), k.detail());
        }
        log.error("web console request {} {} failed", req.method(), req.path(), e);
        return error(s, 500, "Internal error", "Something went wrong; see the server log (request " + req.requestId() + ").");
    }

    static ApiResponse error(@Nullable WebSession s, int status, String title, String detail) {
        Html body = Html.t("<h1>{}</h1><p class=\"notice error\">{}</p><p><a href=\"/\">Back to the console</a></p>", title, detail);
        return Layout.respond(status, s == null ? Layout.bare(title, body, null) : Layout.page(s, title, "", body, null));
    }

    /** A JSON answer for the console's scripts (same security headers as pages). */
    static ApiResponse json(int status, Object value) {
        return Layout.secure(ApiResponse.json(status, value));
    }

    static Map<String, Object> problem(KeywayException e) {
        return Map.of("detail", e.detail(), "field", String.valueOf(e.extras().getOrDefault("field", "")));
    }
}
