package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import dev.keyway.core.service.VaultMatcher;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.ServiceSpecs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A vault's Services tab: the services (host, methods, paths, injection, enabled toggle), adding
 * one from a catalog template or from scratch (validated as you type with the API's own rules),
 * hosts seen in traffic that no service covers, and the unmatched-host policy.
 */
final class ServicePages {
    private final Guard guard;

    ServicePages(Guard guard) {
        this.guard = guard;
    }

    /** What to re-render after a failed submit: the forms' values and their errors. */
    private record State(Form template, Fields.Errors templateErrors, Form scratch, Fields.Errors scratchErrors) {
        static final State FRESH = new State(Form.empty(), Fields.Errors.NONE, Form.empty(), Fields.Errors.NONE);
    }

    void routes(Router r) {
        String base = "/vaults/{vault}/services";
        r.get(base, RouteAccess.CONSOLE, guard.signedIn(ctx -> render(ctx, State.FRESH, 200)));
        r.post(base, RouteAccess.CONSOLE, guard.signedIn(this::createFromScratch));
        r.post(base + "/template", RouteAccess.CONSOLE, guard.signedIn(this::createFromTemplate));
        r.post(base + "/validate", RouteAccess.CONSOLE, guard.signedIn(this::validate));
        r.post(base + "/explain", RouteAccess.CONSOLE, guard.signedIn(this::explain));
        r.post(base + "/{name}/toggle", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            String action = ctx.form().get("enabled").equals("true") ? "enable" : "disable";
            ctx.api().post(api(ctx, ctx.param("name"), action), null);
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "service-toggled");
        }));
        r.post(base + "/{name}/delete", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().delete(api(ctx, ctx.param("name")));
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "service-deleted");
        }));
        r.post("/vaults/{vault}/limits", RouteAccess.CONSOLE, guard.signedIn(this::setLimit));
        r.post("/vaults/{vault}/limits/{id}/delete", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            try {
                ctx.api().delete(Urls.path("v1", "limits", ctx.param("id")));
            } catch (KeywayException e) {
                return render(ctx, State.FRESH, e.type().status(), explainForm(ctx, Form.empty(), Html.t(""), null), e);
            }
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "limit-removed");
        }));
        r.post("/vaults/{vault}/policy", RouteAccess.CONSOLE, guard.signedIn(ctx -> {
            ctx.api().put(Urls.path("v1", "vaults", ctx.param("vault"), "policy"), Map.of("unmatched", ctx.form().get("unmatched")));
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "policy-saved");
        }));
    }

    private static String api(Ctx ctx, String... rest) {
        List<String> segs = new ArrayList<>(List.of("v1", "vaults", ctx.param("vault"), "services"));
        segs.addAll(List.of(rest));
        return Urls.path(segs.toArray(String[]::new));
    }

    private ApiResponse createFromScratch(Ctx ctx) {
        try {
            ctx.api().post(api(ctx), ServiceForm.toDefinition(ctx.form()));
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "service-saved");
        } catch (KeywayException e) {
            return render(ctx, new State(Form.empty(), Fields.Errors.NONE, ctx.form(),
                    Ctx.errors(e, f -> ServiceForm.formField(f, e.detail()))), e.type().status());
        }
    }

    private ApiResponse createFromTemplate(Ctx ctx) {
        Form f = ctx.form();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("template", f.get("template"));
        body.put("name", f.opt("name"));
        body.put("credential", f.opt("credential"));
        body.put("host", f.opt("host"));
        try {
            ctx.api().post(api(ctx, "from-template"), body);
            return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "service-saved");
        } catch (KeywayException e) {
            return render(ctx, new State(f, Ctx.errors(e, x -> x.equals("credential") || x.equals("name") || x.equals("host") ? x : "template"),
                    Form.empty(), Fields.Errors.NONE), e.type().status());
        }
    }

    /** The validate-as-you-type endpoint: the API's own parse and validation, without saving. */
    private ApiResponse validate(Ctx ctx) {
        List<ServiceDefinition> existing = definitions(ctx.api().get(api(ctx)));
        try {
            ServiceDefinition def = ServiceSpecs.fromTree(ServiceForm.toDefinition(ctx.form()));
            ServiceValidator.validate(def);
            List<ServiceDefinition> all = new ArrayList<>(existing.stream().filter(d -> !d.name().equals(def.name())).toList());
            all.add(def);
            ServiceValidator.validateVault(all);
            return Guard.json(200, Map.of("ok", true));
        } catch (KeywayException e) {
            String field = String.valueOf(e.extras().getOrDefault("field", ""));
            return Guard.json(200, Map.of("ok", false, "field", ServiceForm.formField(field, e.detail()), "detail", e.detail()));
        }
    }

    /** The "test a URL" box: the API's explain (the proxy's own decision code), shown above the forms. */
    private ApiResponse explain(Ctx ctx) {
        Form f = ctx.form();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", f.get("url"));
        body.put("method", f.get("method").isBlank() ? "GET" : f.get("method").strip());
        try {
            JsonNode e = ctx.api().post(Urls.path("v1", "vaults", ctx.param("vault"), "explain"), body);
            return render(ctx, State.FRESH, 200, explainForm(ctx, f, explanation(e), null));
        } catch (KeywayException e) {
            return render(ctx, State.FRESH, e.type().status(), explainForm(ctx, f, Html.t(""), e.detail()));
        }
    }

    private static Html explanation(JsonNode e) {
        Html candidates = Html.each(Nodes.list(e.path("candidates")), c -> Html.t("<li><code>{}</code> {} — {}</li>",
                Nodes.str(c, "service"), Nodes.str(c, "host"), Nodes.str(c, "outcome")));
        String decision = Nodes.str(e, "decision");
        String verdict = switch (decision) {
            case "inject" -> "Inject via service '" + Nodes.str(e, "service") + "' (" + Nodes.str(e.path("injection"), "kind")
                    + ", credentials " + String.join(", ", Nodes.strings(e.path("injection").path("credentials"))) + ")"
                    + (e.path("injection").path("missing_credentials").isEmpty() ? "" : " — but " + Nodes.str(e.path("injection"), "note"));
            case "deny" -> "Deny: " + e.path("status").asInt() + " " + Nodes.str(e, "error_type") + " — " + Nodes.str(e, "detail");
            default -> decision + ": " + Nodes.str(e, "reason");
        };
        return Html.t("""
                <div class="explain" data-decision="{}"><p><strong>{}</strong></p>
                <p class="hint">Candidates, in priority order{}</p><ol>{}</ol></div>""",
                decision, verdict, e.path("rule").isNull() || e.path("rule").isMissingNode() ? ": none"
                        : " (decided by " + Nodes.str(e, "rule") + "):", candidates);
    }

    private Html explainForm(Ctx ctx, Form f, Html result, @org.jspecify.annotations.Nullable String error) {
        return Html.t("""
                <section class="card" id="explain"><h2>Test a URL</h2>
                <p class="hint">What the proxy would do with a request, without sending it (the proxy's own decision code).</p>
                <form method="post" action="{}">{}
                <label>URL <input type="url" name="url" value="{}" placeholder="https://api.example.com/v1/models" required></label>
                <label>Method <input type="text" name="method" value="{}" size="8"></label>
                <button type="submit">Explain</button></form>{}{}</section>
                """, Urls.path("vaults", ctx.param("vault"), "services", "explain"), ctx.csrf(), f.get("url"),
                f.get("method").isBlank() ? "GET" : f.get("method"),
                error == null ? Html.t("") : Html.t("<p class=\"error\">{}</p>", error), result);
    }

    private ApiResponse render(Ctx ctx, State st, int status) {
        return render(ctx, st, status, explainForm(ctx, Form.empty(), Html.t(""), null));
    }

    /** The limit form: {@code POST /v1/limits} as the signed-in user (the API allows it to the instance owner). */
    private ApiResponse setLimit(Ctx ctx) {
        Form f = ctx.form();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("vault", ctx.param("vault"));
        for (String field : List.of("service", "agent", "credential")) {
            String value = f.get(field).strip();
            if (!value.isEmpty()) {
                body.put(field, value);
            }
        }
        String requests = f.get("requests").strip();
        try {
            body.put("requests", Long.parseLong(requests));
        } catch (NumberFormatException e) {
            KeywayException invalid = KeywayException.validation("requests",
                    "requests must be a whole number (e.g. 100), not '" + requests + "'");
            return render(ctx, State.FRESH, invalid.type().status(), explainForm(ctx, Form.empty(), Html.t(""), null), invalid);
        }
        body.put("per", f.get("per").strip());
        try {
            ctx.api().post("/v1/limits", body);
        } catch (KeywayException e) {
            return render(ctx, State.FRESH, e.type().status(), explainForm(ctx, Form.empty(), Html.t(""), null), e);
        }
        return Ctx.redirect(Urls.path("vaults", ctx.param("vault"), "services"), "limit-set");
    }

    private ApiResponse render(Ctx ctx, State st, int status, Html explainBox) {
        return render(ctx, st, status, explainBox, null);
    }

    private ApiResponse render(Ctx ctx, State st, int status, Html explainBox, @Nullable KeywayException limitFailure) {
        String vault = ctx.param("vault");
        JsonNode v = ctx.api().get(Urls.path("v1", "vaults", vault));
        JsonNode services = ctx.api().get(api(ctx));
        JsonNode catalog = ctx.api().get("/v1/catalog");
        List<ServiceDefinition> defs = definitions(services);
        Html rows = Html.each(Nodes.list(services.path("services")), s -> row(ctx, s));
        Html table = defs.isEmpty() ? Html.t("<p class=\"empty\">No services yet. Add one from a template or from scratch below.</p>")
                : Html.t("""
                        <table class="list"><thead><tr><th>Name</th><th>Host</th><th>Methods</th><th>Paths</th><th>Injection</th>
                        <th>Enabled</th><th></th></tr></thead><tbody>{}</tbody></table>""", rows);
        Html body = Html.join(
                Layout.vaultHeader(vault, "services", Nodes.str(v, "unmatched")),
                table,
                limits(ctx, vault, defs, limitFailure),
                explainBox,
                discovered(ctx, defs),
                Html.t("<div class=\"columns\">{}{}</div>", templateForm(ctx, catalog, st), policyForm(ctx, Nodes.str(v, "unmatched"))),
                scratchForm(ctx, st));
        return ctx.page(status, vault + " · Services", "vaults", body);
    }

    /**
     * The vault's rate limits: listed for everyone who may see the vault's services (so whoever
     * runs its agents can see why they get 429), with a form to add one and a button to remove
     * each for the instance owner, who alone may change them (the API decides; a member who
     * forges the form gets the API's 403).
     */
    private static Html limits(Ctx ctx, String vault, List<ServiceDefinition> defs, @Nullable KeywayException failure) {
        JsonNode limits = ctx.api().get(Urls.path("v1", "limits") + "?vault="
                + java.net.URLEncoder.encode(vault, java.nio.charset.StandardCharsets.UTF_8));
        List<JsonNode> list = Nodes.list(limits.path("limits"));
        boolean owner = ctx.session().owner();
        if (list.isEmpty() && !owner && failure == null) {
            return Html.empty();
        }
        Html rows = Html.each(list, l -> Html.t("<tr data-limit=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                Nodes.str(l, "id"), Nodes.str(l, "id"), Nodes.str(l, "description"), owner ? Html.t("""
                        <form method="post" action="{}">{}<button type="submit" class="danger">Remove</button></form>""",
                        Urls.path("vaults", vault, "limits", Nodes.str(l, "id"), "delete"), ctx.csrf()) : Html.empty()));
        Html table = list.isEmpty() ? Html.t("<p class=\"empty\">No rate limits on this vault.</p>") : Html.t("""
                <table class="list limits"><thead><tr><th>Id</th><th>Limit</th><th></th></tr></thead><tbody>{}</tbody></table>""", rows);
        Html serviceOptions = Html.each(defs, d -> Html.t("<option value=\"{}\">{}</option>", d.name(), d.name()));
        Html form = !owner ? Html.empty() : Html.t("""
                <form method="post" action="{}" class="limit-form">{}
                <label>Requests <input name="requests" inputmode="numeric" required placeholder="100"></label>
                <label>per <input name="per" required placeholder="1m" aria-describedby="per-hint"></label>
                <label>Service <select name="service"><option value="">all services</option>{}</select></label>
                <label>Agent <input name="agent" placeholder="any agent"></label>
                <label>Credential <input name="credential" placeholder="any credential"></label>
                <button type="submit" class="primary">Add limit</button>
                <p class="hint" id="per-hint">A duration such as <code>30s</code>, <code>1m</code>, <code>1h</code>, <code>1d</code>.
                Several limits may apply to one request; the tightest wins. Setting a limit with the same scope replaces it.</p>
                </form>""", Urls.path("vaults", vault, "limits"), ctx.csrf(), serviceOptions);
        return Html.t("""
                <h3>Rate limits</h3>
                <p class="hint">Over a limit the agent gets 429 <code>rate-limited</code> with <code>Retry-After</code>; nothing is
                forwarded. {}</p>
                {}{}{}""", owner ? "Also settable with keyway limit set." : "The instance owner sets them here or with keyway limit set.",
                failure == null ? Html.empty() : Html.t("<p class=\"notice bad\" id=\"limit-error\">{}</p>", failure.detail()),
                table, form);
    }

    private Html row(Ctx ctx, JsonNode s) {
        String name = Nodes.str(s, "name");
        boolean enabled = s.path("enabled").asBoolean(true);
        String methods = s.has("methods") && !Nodes.list(s.get("methods")).isEmpty() ? String.join(" ", Nodes.strings(s.get("methods"))) : "any";
        String paths = s.has("paths") && !Nodes.list(s.get("paths")).isEmpty() ? String.join("\n", Nodes.strings(s.get("paths"))) : "any";
        String action = Urls.path("vaults", ctx.param("vault"), "services", name);
        return Html.t("""
                <tr data-service="{}"><td><strong>{}</strong><div class="sub">{}</div></td><td><code>{}</code></td><td>{}</td>
                <td><pre class="paths">{}</pre></td><td>{}</td>
                <td><form method="post" action="{}/toggle" class="inline">{}<input type="hidden" name="enabled" value="{}">
                <button type="submit" class="toggle{}" aria-pressed="{}" title="{}">{}</button></form></td>
                <td><form method="post" action="{}/delete" class="inline" data-confirm="Delete service {}?">{}
                <button type="submit" class="link danger">Delete</button></form></td></tr>
                """, name, name, Nodes.str(s, "description"), Nodes.str(s, "host"), methods, paths, injection(s.get("inject")),
                action, ctx.csrf(), enabled ? "false" : "true", enabled ? " on" : "", enabled, enabled ? "Disable" : "Enable",
                enabled ? "On" : "Off", action, name, ctx.csrf());
    }

    /** A short description of a service's injection: kind and credential names (never values: there are none here). */
    static String injection(JsonNode inject) {
        if (inject == null || inject.isNull()) {
            return "";
        }
        try {
            Injection i = Injection.fromJson(dev.keyway.server.http.Json.MAPPER.treeToValue(inject, Object.class));
            String kind = switch (i) {
                case Injection.None n -> "none";
                case Injection.Bearer b -> "bearer";
                case Injection.Basic b -> "basic";
                case Injection.Headers h -> "header " + String.join(", ", h.headers().stream().map(x -> x.name()).toList());
                case Injection.Query q -> "query ?" + q.param() + "=";
                case Injection.Substitute s -> "substitute " + s.placeholder();
                case Injection.Hmac h -> "hmac-" + h.algorithm().wireName() + " signature"
                        + (h.signatureHeader() != null ? " " + h.signatureHeader() : " ?" + h.signatureQuery() + "=");
                case Injection.Jwt j -> "jwt " + j.algorithm().jose() + " bearer";
            };
            return i.credentialNames().isEmpty() ? kind : kind + " · " + String.join(", ", i.credentialNames());
        } catch (RuntimeException e) {
            return inject.toString();
        }
    }

    /** Parses the API's service views back into definitions (for matching and vault-level validation). */
    static List<ServiceDefinition> definitions(JsonNode services) {
        List<ServiceDefinition> out = new ArrayList<>();
        for (JsonNode s : Nodes.list(services.path("services"))) {
            ObjectNode copy = ((ObjectNode) s).deepCopy();
            copy.remove("updated_at");
            copy.remove("updated_by");
            try {
                out.add(ServiceSpecs.fromTree(copy));
            } catch (RuntimeException e) {
                // a stored definition that no longer parses is shown but not matched
            }
        }
        return out;
    }

    /** Hosts this vault's agents reached (per the audit log) that no service covers: candidates for a service. */
    private Html discovered(Ctx ctx, List<ServiceDefinition> defs) {
        JsonNode audit = ctx.api().get(Urls.withQuery(Urls.path("v1", "vaults", ctx.param("vault"), "audit"), "limit", "1000"));
        VaultMatcher matcher = VaultMatcher.compile(defs);
        Map<String, Integer> hosts = new LinkedHashMap<>();
        for (JsonNode rec : Nodes.list(audit.path("records"))) {
            String type = Nodes.str(rec, "type");
            String host = Nodes.str(rec, "host");
            if (host.isEmpty() || !rec.path("service").isMissingNode() || !(type.equals("request") || type.equals("connect")
                    || type.equals("denied"))) {
                continue;
            }
            int port = rec.path("port").asInt(443);
            if (!matcher.hasServiceFor(host, port)) {
                hosts.merge(port == 443 || port == 80 ? host : host + ":" + port, 1, Integer::sum);
            }
        }
        if (hosts.isEmpty()) {
            return Html.empty();
        }
        Html items = Html.each(hosts.entrySet().stream().limit(20).toList(), e -> Html.t(
                "<li><code>{}</code> <span class=\"sub\">{} request(s)</span> <a href=\"{}#scratch\">Add a service for it</a></li>",
                e.getKey(), e.getValue(), Urls.withQuery(Urls.path("vaults", ctx.param("vault"), "services"), "host", e.getKey())));
        return Html.t("""
                <section class="hint-box" id="discovered"><h2>Discovered hosts</h2>
                <p>Agents of this vault reached these hosts, but no service covers them (so no credential is injected).</p>
                <ul>{}</ul></section>""", items);
    }

    private Html templateForm(Ctx ctx, JsonNode catalog, State st) {
        List<String[]> options = new ArrayList<>();
        for (JsonNode t : Nodes.list(catalog.path("templates"))) {
            options.add(new String[] {Nodes.str(t, "name"), Nodes.str(t, "name") + " — " + Nodes.str(t, "host") + " ("
                    + String.join(", ", Nodes.strings(t.path("credentials"))) + ")"});
        }
        Form f = st.template();
        Fields.Errors e = st.templateErrors();
        return Html.t("""
                <section class="card" id="template"><h2>Add from a template</h2>
                <form method="post" action="{}">{}{}{}{}{}{}
                <button type="submit" class="primary">Add service</button></form></section>
                """, Urls.path("vaults", ctx.param("vault"), "services", "template"), ctx.csrf(), Fields.formError(e),
                Fields.select("Template", "template", options, f.get("template"), e, null),
                Fields.input("Service name", "name", f.get("name"), e, "Optional; defaults to the template's name."),
                Fields.input("Credential name", "credential", f.get("credential"), e,
                        "Optional; for one-credential templates, use another credential than the template's default."),
                Fields.input("Host", "host", f.get("host"), e,
                        "Required for per-tenant templates (supabase, shopify, jira, confluence, zendesk, freshdesk, azure-openai): your own"
                                + " host, e.g. abcdefgh.supabase.co; optional otherwise (e.g. another Bedrock region)."));
    }

    private Html policyForm(Ctx ctx, String current) {
        List<String[]> options = List.of(
                new String[] {"tunnel", "tunnel — pass through untouched (no TLS interception)"},
                new String[] {"intercept", "intercept — decrypt and audit every request"},
                new String[] {"deny", "deny — refuse hosts no service matches"});
        return Html.t("""
                <section class="card" id="policy"><h2>Unmatched hosts</h2>
                <p class="hint">What the proxy does with a host that no service of this vault matches.</p>
                <form method="post" action="{}">{}{}<button type="submit">Save policy</button></form></section>
                """, Urls.path("vaults", ctx.param("vault"), "policy"), ctx.csrf(),
                Fields.select("Policy", "unmatched", options, current, Fields.Errors.NONE, null));
    }

    private Html scratchForm(Ctx ctx, State st) {
        Form f = st.scratch();
        Fields.Errors e = st.scratchErrors();
        boolean fresh = !f.has("kind");
        String host = fresh && ctx.query("host") != null ? ctx.query("host") : f.get("host");
        String kind = fresh ? "bearer" : f.get("kind");
        Html methods = Html.each(ServiceForm.METHODS, m -> Html.t("<label class=\"chip\"><input type=\"checkbox\" name=\"methods\" value=\"{}\"{}> {}</label>",
                m, Html.flag(f.all("methods").contains(m), "checked"), m));
        Html surfaces = Html.each(ServiceForm.SURFACES, s -> Html.t("<label class=\"chip\"><input type=\"checkbox\" name=\"surfaces\" value=\"{}\"{}> {}</label>",
                s, Html.flag(f.all("surfaces").contains(s), "checked"), s));
        String validate = Urls.path("vaults", ctx.param("vault"), "services", "validate");
        return Html.t("""
                <section class="card" id="scratch"><h2>Add from scratch</h2>
                <form method="post" action="{}" data-validate="{}" class="service-form">{}{}
                <div class="grid2">{}{}</div>
                <div class="field" data-field="methods"><span class="label">Methods</span><div class="chips">{}</div>
                <p class="hint">None checked = any method.</p><p class="error" data-error-for="methods"{}>{}</p></div>
                {}
                {}
                <div class="kind kind-bearer kind-query kind-substitute">{}</div>
                <div class="kind kind-header grid2">{}{}</div>
                <div class="kind kind-basic grid3">{}{}{}</div>
                <div class="kind kind-query">{}</div>
                <div class="kind kind-substitute">{}
                <div class="field" data-field="surfaces"><span class="label">Replace the placeholder in</span><div class="chips">{}</div>
                <p class="hint">None checked = header, path and query.</p><p class="error" data-error-for="surfaces"{}>{}</p></div></div>
                <div class="kind kind-hmac">{}</div>
                <div class="kind kind-jwt">{}</div>
                {}
                <input type="hidden" name="enabled_present" value="1"><input type="hidden" name="redact_responses_present" value="1">{}{}{}{}
                <button type="submit" class="primary">Add service</button>
                </form></section>
                """, Urls.path("vaults", ctx.param("vault"), "services"), validate, ctx.csrf(), Fields.formError(e),
                Fields.input("Name", "name", f.get("name"), e, "Lower-case letters, digits, '.', '_' or '-'."),
                Fields.input("Host", "host", host, e, "api.example.com, *.example.com or host:port."),
                methods, Html.flag(e.get("methods") == null, "hidden"), e.get("methods") == null ? "" : e.get("methods"),
                Fields.textarea("Paths", "paths", f.get("paths"), e, "One glob per line, e.g. /v1/** ; empty = any path.", 3),
                Fields.select("Injection", "kind", ServiceForm.KINDS, kind, e, null),
                Fields.input("Credential", "credential", f.get("credential"), e, "Credential name, e.g. OPENAI_API_KEY."),
                Fields.input("Header name", "header_name", f.get("header_name"), e, "e.g. x-api-key"),
                Fields.input("Header value template", "header_value", f.get("header_value"), e, "e.g. Token {API_KEY}"),
                Fields.input("Username credential", "basic_username_credential", f.get("basic_username_credential"), e, "or …"),
                Fields.input("Fixed username", "basic_username_literal", f.get("basic_username_literal"), e, "e.g. x-access-token"),
                Fields.input("Password credential", "basic_password", f.get("basic_password"), e, null),
                Fields.input("Query parameter", "query_param", f.get("query_param"), e, "e.g. key"),
                Fields.input("Placeholder", "placeholder", f.get("placeholder"), e, "The dummy value the agent holds, e.g. KEYWAY_PLACEHOLDER_1."),
                surfaces, Html.flag(e.get("surfaces") == null, "hidden"), e.get("surfaces") == null ? "" : e.get("surfaces"),
                hmacFields(f, e), jwtFields(f, e),
                Fields.input("Description", "description", f.get("description"), e, null),
                Fields.checkbox("Enabled", "enabled", fresh || f.checked("enabled"), null),
                Fields.checkbox("Allow private addresses", "allow_private", f.checked("allow_private"),
                        "Needed for IP addresses and internal names (localhost, *.internal)."),
                Fields.checkbox("Allow plain HTTP", "allow_plaintext", f.checked("allow_plaintext"),
                        "Also inject into http:// requests. Only for a private or loopback host; credentials otherwise go over TLS only."),
                Fields.checkbox("Redact echoed credentials", "redact_responses", fresh || f.checked("redact_responses"),
                        "Replace the credential wherever the upstream echoes it in a response (recommended)."));
    }

    /** The {@code inject: hmac} fields of the from-scratch form (docs/services.md, Request signing). */
    private static Html hmacFields(Form f, Fields.Errors e) {
        return Html.t("""
                <div class="grid2">{}{}</div>{}<div class="grid2">{}{}</div><div class="grid3">{}{}{}</div>
                <div class="grid3">{}{}{}</div>{}{}""",
                Fields.input("Key credential", "hmac_key", f.get("hmac_key"), e, "The credential holding the HMAC key."),
                Fields.select("Key encoding", "hmac_key_encoding", ServiceForm.KEY_ENCODINGS, or(f.get("hmac_key_encoding"), "raw"), e,
                        null),
                Fields.input("String to sign", "hmac_template", f.get("hmac_template"), e,
                        "e.g. {timestamp}{method}{path_query}{body} or {query}{body}; see the variables in docs/services.md."),
                Fields.input("Signature header", "hmac_signature_header", f.get("hmac_signature_header"), e, "e.g. CB-ACCESS-SIGN"),
                Fields.input("or signature query parameter", "hmac_signature_query", f.get("hmac_signature_query"), e,
                        "e.g. signature (appended last)"),
                Fields.select("Algorithm", "hmac_algorithm", ServiceForm.HMAC_ALGORITHMS, or(f.get("hmac_algorithm"), "sha256"), e, null),
                Fields.select("Signature encoding", "hmac_encoding", ServiceForm.HMAC_ENCODINGS, or(f.get("hmac_encoding"), "hex"), e,
                        null),
                Fields.select("Timestamp unit", "hmac_timestamp_unit", ServiceForm.TIMESTAMP_UNITS,
                        or(f.get("hmac_timestamp_unit"), "s"), e, null),
                Fields.input("Timestamp header", "hmac_timestamp_header", f.get("hmac_timestamp_header"), e, "optional"),
                Fields.input("Timestamp query parameter", "hmac_timestamp_query", f.get("hmac_timestamp_query"), e, "optional"),
                Fields.input("Nonce header", "hmac_nonce_header", f.get("hmac_nonce_header"), e, "optional"),
                Fields.textarea("Further headers", "hmac_headers", f.get("hmac_headers"), e,
                        "One 'Name: template' per line, e.g. X-MBX-APIKEY: {BINANCE_API_KEY}", 2),
                Html.empty());
    }

    /** The {@code inject: jwt} fields of the from-scratch form. */
    private static Html jwtFields(Form f, Fields.Errors e) {
        return Html.t("""
                <div class="grid2">{}{}</div><div class="grid2">{}{}</div>{}{}""",
                Fields.input("Private key credential", "jwt_key", f.get("jwt_key"), e, "A PEM private key of the algorithm."),
                Fields.select("Algorithm", "jwt_algorithm", ServiceForm.JWT_ALGORITHMS, or(f.get("jwt_algorithm"), "ES256"), e, null),
                Fields.input("Key id (kid)", "jwt_kid", f.get("jwt_kid"), e, "optional; text and {CREDENTIAL}s"),
                Fields.input("Lifetime", "jwt_lifetime", f.get("jwt_lifetime"), e, "default 120s, 1s to 10m"),
                Fields.textarea("Claims", "jwt_claims", f.get("jwt_claims"), e,
                        "One 'name: template' per line, e.g. sub: {CDP_KEY_NAME} and uri: {method} {host}{path}; iat, exp, nbf are set by Keyway.",
                        3),
                Fields.checkbox("Random nonce in the header", "jwt_nonce", f.checked("jwt_nonce"), null));
    }

    private static String or(String value, String fallback) {
        return value.isBlank() ? fallback : value;
    }
}
