package dev.keyway.server.web;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.api.IdentityRoutes;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.SignInThrottle;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.Store;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * First run (create the owner with the setup code or the local admin token), sign-in, sign-out and
 * password change. Sign-in goes through {@code POST /v1/auth/login} in process, so the password
 * check, the per-address rate limit and the audit record are the API's own.
 */
final class AuthPages {
    private final Store store;
    private final ApiAuth auth;
    private final IdentityRoutes identity;
    private final InProcessApi api;
    private final Guard guard;
    private final SetupCode setupCode;
    private final SignInThrottle setupThrottle;

    AuthPages(Store store, ApiAuth auth, IdentityRoutes identity, InProcessApi api, Guard guard, SetupCode setupCode,
            SignInThrottle setupThrottle) {
        this.store = store;
        this.auth = auth;
        this.identity = identity;
        this.api = api;
        this.guard = guard;
        this.setupCode = setupCode;
        this.setupThrottle = setupThrottle;
    }

    void routes(Router r) {
        r.get("/", RouteAccess.CONSOLE, req -> {
            if (noUsers()) {
                return Ctx.redirect("/setup", null);
            }
            return Ctx.redirect(guard.session(req) == null ? "/login" : "/vaults", null);
        });
        r.get("/setup", RouteAccess.CONSOLE, guard.open((req, form, csrf) -> setupPage(req, csrf, "", Fields.Errors.NONE, 200)));
        r.post("/setup", RouteAccess.CONSOLE, guard.open(this::setup));
        r.get("/login", RouteAccess.CONSOLE, guard.open((req, form, csrf) -> {
            if (noUsers()) {
                return Ctx.redirect("/setup", null);
            }
            if (guard.session(req) != null) {
                return Ctx.redirect(Urls.safeNext(req.queryParam("next")).equals("/") ? "/vaults" : Urls.safeNext(req.queryParam("next")), null);
            }
            return loginPage(req, csrf, "", Fields.Errors.NONE, 200);
        }));
        r.post("/login", RouteAccess.CONSOLE, guard.open(this::login));
        r.post("/logout", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().post("/v1/auth/logout", null);
            return Ctx.redirect("/login", "signed-out")
                    .withHeader("Set-Cookie", Guard.cookieHeader(ctx.req(), Guard.SESSION_COOKIE, "", Duration.ZERO));
        }));
        r.get("/account", RouteAccess.CONSOLE, guard.signedIn(ctx -> accountPage(ctx, Fields.Errors.NONE, 200)));
        r.post("/account/password", RouteAccess.CONSOLE, guard.signedIn(this::changePassword));
    }

    private boolean noUsers() {
        return store.listUsers().isEmpty();
    }

    private ApiResponse setupPage(ApiRequest req, String csrf, String email, Fields.Errors errors, int status) {
        if (!noUsers()) {
            setupCode.consume(); // the owner was created (maybe on another node of a cluster): the local file goes too
            return Ctx.redirect("/", null);
        }
        Html body = Html.t("""
                <h1>Welcome to Keyway</h1>
                <p>Create the owner account. The owner can do everything: manage vaults, users, agents and settings.</p>
                <p class="hint">To prove you run this server, enter the <strong>setup code</strong> printed in the server's
                start-up output (also in the file <code>setup-code</code> in the data directory), or the local admin token
                (<code>admin-token</code> in the data directory).</p>
                <form method="post" action="/setup" class="card" novalidate>
                {}{}{}{}{}{}
                <button type="submit" class="primary">Create owner</button>
                </form>
                """, Layout.csrfField(csrf), Fields.formError(errors),
                Fields.secret("Setup code", "setup_code", errors, "e.g. ABCD-EFGH-JKLM-NPQR", true),
                Fields.input("E-mail", "email", "email", email, errors, null, Html.t(" autocomplete=\"username\" required")),
                Fields.secret("Password", "password", errors, "At least 12 characters.", true),
                Fields.secret("Repeat password", "password2", errors, null, true));
        return Layout.respond(status, Layout.bare("First run", body, null));
    }

    private ApiResponse setup(ApiRequest req, Form form, String csrf) {
        if (!noUsers()) {
            setupCode.consume();
            return Ctx.redirect("/login", null);
        }
        String email = form.get("email").strip();
        long wait = setupThrottle.tryAcquire(req.remote().getAddress());
        if (wait > 0) {
            return setupPage(req, csrf, email, Fields.Errors.of("", "Too many attempts; retry in " + wait + "s."), 429);
        }
        String code = form.get("setup_code").strip();
        Principal by = setupPrincipal(code);
        if (by == null) {
            return setupPage(req, csrf, email, Fields.Errors.of("setup_code",
                    "That is not the setup code (or the local admin token) of this server."), 403);
        }
        setupThrottle.refund(req.remote().getAddress()); // only wrong codes use up the address's budget
        if (!form.get("password").equals(form.get("password2"))) {
            return setupPage(req, csrf, email, Fields.Errors.of("password2", "The passwords differ."), 422);
        }
        try {
            identity.setupOwner(by, email, form.get("password"));
        } catch (KeywayException e) {
            return setupPage(req, csrf, email, Ctx.errors(e, f -> f), e.type().status());
        }
        // setupOwner burnt the setup code (IdentityRoutes.whenOwnerCreated)
        return signIn(req, email, form.get("password"), "/vaults");
    }

    private @Nullable Principal setupPrincipal(String presented) {
        if (setupCode.matches(presented)) {
            return new Principal("setup-code", "web-setup", "admin", null, true, Map.of(), null, null, true);
        }
        if (presented.startsWith("kw_adm_")) {
            try {
                Principal p = auth.authenticateToken(presented);
                return p.isAdmin() ? p : null;
            } catch (KeywayException e) {
                return null;
            }
        }
        return null;
    }

    private ApiResponse loginPage(ApiRequest req, String csrf, String email, Fields.Errors errors, int status) {
        String next = Urls.safeNext(req.queryParam("next"));
        Html body = Html.t("""
                <h1>Sign in</h1>
                <form method="post" action="{}" class="card">
                {}{}{}{}
                <button type="submit" class="primary">Sign in</button>
                </form>
                """, Urls.withQuery("/login", "next", next.equals("/") ? null : next), Layout.csrfField(csrf), Fields.formError(errors),
                Fields.input("E-mail", "email", "email", email, errors, null, Html.t(" autocomplete=\"username\" required autofocus")),
                Fields.secret("Password", "password", errors, null, true));
        return Layout.respond(status, Layout.bare("Sign in", body, req.queryParam("done")));
    }

    private ApiResponse login(ApiRequest req, Form form, String csrf) {
        String email = form.get("email").strip();
        try {
            return signIn(req, email, form.get("password"), Urls.safeNext(req.queryParam("next")));
        } catch (KeywayException e) {
            String msg = e.type() == ErrorType.VALIDATION ? "Enter your e-mail and password." : e.detail();
            return loginPage(req, csrf, email, Fields.Errors.of("", msg), e.type() == ErrorType.VALIDATION ? 422 : e.type().status());
        }
    }

    /** Signs in through the API and sets the session cookie. */
    private ApiResponse signIn(ApiRequest req, String email, String password, String next) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("email", email);
        body.put("password", password);
        JsonNode out = api.anonymous("POST", "/v1/auth/login", body, req.remote());
        String token = out.get("token").asString();
        return Ctx.redirect(next.equals("/") ? "/vaults" : next, null)
                .withHeader("Set-Cookie", Guard.cookieHeader(req, Guard.SESSION_COOKIE, token, IdentityRoutes.DEFAULT_SESSION));
    }

    private ApiResponse accountPage(Ctx ctx, Fields.Errors errors, int status) {
        JsonNode me = ctx.api().get("/v1/auth/whoami");
        Html vaults = Html.each(Nodes.list(me.path("vaults")), v -> Html.t("<li><a href=\"{}\">{}</a> — {}</li>",
                Urls.path("vaults", v.path("vault").asString(), "credentials"), v.path("vault").asString(), v.path("role").asString()));
        Html body = Html.t("""
                <h1>Account</h1>
                <dl class="facts"><dt>E-mail</dt><dd>{}</dd><dt>Instance role</dt><dd>{}</dd><dt>Session ends</dt><dd>{}</dd></dl>
                <h2>Your vaults</h2><ul>{}</ul>
                <h2>Change password</h2>
                <form method="post" action="/account/password" class="card">
                {}{}{}{}{}
                <button type="submit" class="primary">Change password</button>
                </form>
                """, ctx.session().email(), ctx.session().owner() ? "owner" : "member", me.path("expires_at").asString(""), vaults,
                ctx.csrf(), Fields.formError(errors), Fields.secret("Current password", "current_password", errors, null, true),
                Fields.secret("New password", "new_password", errors, "At least 12 characters. Signs out your other sessions.", true),
                Fields.secret("Repeat new password", "new_password2", errors, null, true));
        return ctx.page(status, "Account", "", body);
    }

    private ApiResponse changePassword(Ctx ctx) {
        Form f = ctx.form();
        if (!f.get("new_password").equals(f.get("new_password2"))) {
            return accountPage(ctx, Fields.Errors.of("new_password2", "The passwords differ."), 422);
        }
        try {
            identity.changePassword(ctx.session().principal(), ctx.req().remote().getAddress(), f.get("current_password"),
                    f.get("new_password"));
        } catch (KeywayException e) {
            return accountPage(ctx, Ctx.errors(e, x -> x), e.type().status());
        }
        ApiResponse r = signIn(ctx.req(), ctx.session().email(), f.get("new_password"), "/account");
        return r.withHeader("Location", "/account?done=password-changed");
    }
}
