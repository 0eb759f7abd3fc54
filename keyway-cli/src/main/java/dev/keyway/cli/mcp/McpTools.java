package dev.keyway.cli.mcp;

import dev.keyway.cli.CliException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tools {@code keyway mcp} offers, each one API call made with the agent's own token: {@code
 * discover} ({@code GET /discover}), {@code explain} ({@code POST /v1/vaults/{vault}/explain}),
 * {@code propose} ({@code POST /v1/proposals}) and {@code proposal_status} ({@code GET
 * /v1/proposals/{id}}). None of these APIs returns a credential value, so no tool can; {@code
 * propose} refuses a credential {@code value} outright (values come from the human who approves).
 *
 * <p>Arguments are checked against each tool's input schema here (unknown, missing or mistyped
 * fields are -32602 via {@link McpServer.InvalidParams}); what only the server can judge (a bad
 * host, a forbidden vault) comes back as an {@code isError} result with the API's problem
 * document, the same words {@code keyway} prints.
 */
public final class McpTools {
    /** The two API verbs the tools need; {@link dev.keyway.cli.ApiClient} in production. */
    public interface Api {
        JsonNode get(String path);

        JsonNode post(String path, Object body);
    }

    /** One tool as {@code tools/list} describes it. */
    public record Tool(String name, String title, String description, ObjectNode inputSchema, boolean readOnly) {}

    private final Api api;
    /** The vault {@code explain} uses when none is given: {@code KEYWAY_VAULT}, else the token's vault from discover. */
    private final @Nullable String defaultVault;
    private final List<Tool> tools;

    public McpTools(Api api, @Nullable String defaultVault) {
        this.api = api;
        this.defaultVault = defaultVault == null || defaultVault.isBlank() ? null : defaultVault.strip();
        this.tools = List.of(
                new Tool("discover", "What may I use?",
                        "What this agent's Keyway token may use: its vault and role, the services it may call through the "
                                + "proxy (host, methods, paths, injection kind), the environment variables and placeholder "
                                + "values to give SDKs, and how to ask for more. Never returns credential values.",
                        schema(Map.of(), List.of()), true),
                new Tool("explain", "Explain a URL",
                        "Dry run of Keyway's proxy policy for one request, without sending it: which service matches and "
                                + "why, what would be injected (kinds and credential names, never values), what would be "
                                + "denied and why, or which unmatched-host policy applies, for this agent's own request.",
                        schema(Map.of(
                                "url", prop("string", "The request URL, https:// or http://"),
                                "method", prop("string", "HTTP method in upper case (default GET)"),
                                "vault", prop("string", "Vault (default: KEYWAY_VAULT, else this token's vault)")),
                                List.of("url")), true),
                new Tool("propose", "Propose a service or credential",
                        "Ask a human to add services and/or credential slots to the vault (Keyway's proposal flow). Give "
                                + "a message saying why. Credentials are requested by name and description only: never "
                                + "send a value, the reviewer supplies it. Returns the proposal id, status and the approval "
                                + "URL to give to a human; check it later with proposal_status.",
                        proposeSchema(), false),
                new Tool("proposal_status", "Proposal status",
                        "The status of a proposal made with propose (pending, approved, rejected, expired), with the "
                                + "reviewer's reason and what approval granted.",
                        schema(Map.of("id", prop("string", "The proposal id returned by propose")), List.of("id")), true));
    }

    public List<Tool> list() {
        return tools;
    }

    /**
     * Runs one tool: a {@code CallToolResult} ({@code content}, {@code structuredContent}, {@code
     * isError}). Throws {@link McpServer.InvalidParams} for an unknown tool or arguments outside its schema.
     */
    public ObjectNode call(String name, ObjectNode args) {
        Tool tool = tools.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new McpServer.InvalidParams("Unknown tool: " + McpServer.printable(name)));
        check(tool, args);
        try {
            return success(switch (name) {
                case "discover" -> api.get("/discover");
                case "explain" -> explain(args);
                case "propose" -> api.post("/v1/proposals", args);
                case "proposal_status" -> api.get("/v1/proposals/" + seg(args.get("id").stringValue()));
                default -> throw new IllegalStateException("tool without an implementation: " + name);
            });
        } catch (CliException e) {
            return failure(e);
        }
    }

    private JsonNode explain(ObjectNode args) {
        String vault = args.hasNonNull("vault") ? args.get("vault").stringValue() : defaultVault;
        if (vault == null) {
            vault = api.get("/discover").path("vault").asString("default");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", args.get("url").stringValue());
        body.put("method", args.hasNonNull("method") ? args.get("method").stringValue() : "GET");
        return api.post("/v1/vaults/" + seg(vault) + "/explain", body);
    }

    private static ObjectNode success(JsonNode body) {
        ObjectNode r = McpServer.JSON.createObjectNode();
        r.putArray("content").addObject().put("type", "text").put("text", McpServer.JSON.writeValueAsString(body));
        if (body.isObject()) {
            r.set("structuredContent", body);
        }
        r.put("isError", false);
        return r;
    }

    /** A failed API call as a tool result: the problem document (type, status, detail) for the model to read. */
    static ObjectNode failure(CliException e) {
        ObjectNode r = McpServer.JSON.createObjectNode();
        JsonNode problem = e.problem();
        String text;
        if (problem != null) {
            text = "Keyway refused (HTTP " + problem.path("status").asInt() + " " + problem.path("type").asString() + "): "
                    + problem.path("detail").asString(String.valueOf(e.getMessage()));
            r.set("structuredContent", problem);
        } else {
            text = "Keyway could not be asked: " + String.valueOf(e.getMessage());
        }
        r.putArray("content").addObject().put("type", "text").put("text", text);
        r.put("isError", true);
        return r;
    }

    // ---------------------------------------------------------------- argument checks

    private static void check(Tool tool, ObjectNode args) {
        JsonNode props = tool.inputSchema().get("properties");
        for (String key : args.propertyNames()) {
            if (!props.has(key)) {
                throw new McpServer.InvalidParams(tool.name() + ": unknown argument '" + McpServer.printable(key) + "'");
            }
        }
        Set<String> required = new java.util.HashSet<>();
        for (JsonNode req : tool.inputSchema().path("required")) {
            required.add(req.stringValue());
            if (!args.hasNonNull(req.stringValue())) {
                throw new McpServer.InvalidParams(tool.name() + ": missing argument '" + req.stringValue() + "'");
            }
        }
        for (String key : args.propertyNames()) {
            JsonNode v = args.get(key);
            String type = props.get(key).path("type").asString();
            if (v.isNull() && !required.contains(key)) {
                continue; // an optional argument given as null is the same as leaving it out
            }
            boolean ok = switch (type) {
                case "string" -> v.isString() && !v.stringValue().isBlank();
                case "array" -> v.isArray();
                default -> true;
            };
            if (!ok) {
                throw new McpServer.InvalidParams(tool.name() + ": argument '" + key + "' must be a"
                        + (type.equals("array") ? "n array" : " non-empty string"));
            }
        }
        if (tool.name().equals("propose")) {
            checkProposal(args);
        }
    }

    private static void checkProposal(ObjectNode args) {
        if (args.path("services").isEmpty() && args.path("credentials").isEmpty()) {
            throw new McpServer.InvalidParams("propose: nothing to propose: give 'services' and/or 'credentials'");
        }
        for (JsonNode s : args.path("services")) {
            if (!s.isObject()) {
                throw new McpServer.InvalidParams("propose: each of 'services' must be an object (a service definition)");
            }
        }
        Set<String> slot = Set.of("name", "description");
        for (JsonNode c : args.path("credentials")) {
            if (!c.isObject() || !c.path("name").isString()) {
                throw new McpServer.InvalidParams("propose: each of 'credentials' must be an object with a 'name'");
            }
            for (String key : c.propertyNames()) {
                if (!slot.contains(key)) {
                    throw new McpServer.InvalidParams("propose: a credential is requested by 'name' and 'description' only ('"
                            + McpServer.printable(key) + "' is not allowed): never send a value, the reviewer supplies it");
                }
            }
        }
    }

    // ---------------------------------------------------------------- schemas

    private static ObjectNode prop(String type, String description) {
        ObjectNode p = McpServer.JSON.createObjectNode();
        p.put("type", type);
        p.put("description", description);
        return p;
    }

    private static ObjectNode schema(Map<String, ObjectNode> props, List<String> required) {
        ObjectNode s = McpServer.JSON.createObjectNode();
        s.put("type", "object");
        ObjectNode p = s.putObject("properties");
        props.keySet().stream().sorted().forEach(k -> p.set(k, props.get(k)));
        if (!required.isEmpty()) {
            ArrayNode r = s.putArray("required");
            required.forEach(r::add);
        }
        s.put("additionalProperties", false);
        return s;
    }

    private static ObjectNode proposeSchema() {
        ObjectNode services = prop("array", "Services to add, in the format of Keyway's service API: {name, host, "
                + "methods?, paths?, description?, inject}, where inject is {bearer: CRED}, {header: {Name: 'token {CRED}'}}, "
                + "{basic: {username_literal, password: CRED}}, {query: {param: CRED}} or 'none' (see Keyway's docs/services.md)");
        services.putObject("items").put("type", "object");
        ObjectNode credentials = prop("array", "Credential slots to request: {name, description?}; never a value");
        ObjectNode item = credentials.putObject("items");
        item.put("type", "object");
        ObjectNode ip = item.putObject("properties");
        ip.set("name", prop("string", "Credential name, e.g. GITHUB_TOKEN"));
        ip.set("description", prop("string", "What it is for, shown to the reviewer"));
        item.putArray("required").add("name");
        item.put("additionalProperties", false);
        return schema(Map.of(
                "message", prop("string", "Why you need this (shown to the reviewer)"),
                "services", services,
                "credentials", credentials,
                "vault", prop("string", "Vault (default: this token's vault)"),
                "expires_in", prop("string", "Expire sooner than the default 7d, e.g. 1d")), List.of("message"));
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
