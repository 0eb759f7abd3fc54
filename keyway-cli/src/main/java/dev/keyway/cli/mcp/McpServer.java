package dev.keyway.cli.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON-RPC 2.0 side of {@code keyway mcp}: one message per line on stdin, one answer per line
 * on stdout, nothing else on stdout (an agent CLI parses every line as a protocol message).
 *
 * <p>Why a hand-written server and not an SDK: the protocol surface a tools-only server needs is
 * small ({@code initialize}, {@code ping}, {@code tools/list}, {@code tools/call}), and every edge
 * is decided here explicitly: malformed JSON is -32700, a message that is not a request is -32600,
 * an unknown method -32601, params that do not fit the method or the tool's input schema -32602.
 * A tool whose API call fails is not a protocol error: it is a result with {@code isError: true}
 * carrying the API's problem document, so the model can read why. A line longer than {@link
 * #MAX_LINE} bytes is discarded (answered -32600) without being buffered whole. Output is ASCII
 * only (non-ASCII escaped), so the writer's charset cannot corrupt it.
 */
public final class McpServer {
    /** The longest message accepted, in bytes. Tool arguments are small (a URL, a proposal). */
    public static final int MAX_LINE = 1 << 20;

    /** Protocol revisions understood, newest first; the first is answered when the client's is unknown. */
    public static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** JSON-RPC error codes used here. */
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;
    static final int INTERNAL_ERROR = -32603;

    /** Where the session is: before {@code initialize}, answered, or confirmed by {@code notifications/initialized}. */
    enum State { NEW, INITIALIZING, READY }

    private final McpTools tools;
    private final String version;
    private State state = State.NEW;

    public McpServer(McpTools tools, String version) {
        this.tools = tools;
        this.version = version;
    }

    State state() {
        return state;
    }

    /**
     * Serves until {@code in} ends: reads line by line, answers each request on its own line and
     * flushes after each answer.
     */
    public void serve(InputStream in, Writer out) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong = false;
        int b;
        while ((b = in.read()) != -1) {
            if (b != '\n') {
                if (line.size() < MAX_LINE) {
                    line.write(b);
                } else {
                    tooLong = true;
                }
                continue;
            }
            String answer = tooLong
                    ? error(null, INVALID_REQUEST, "message longer than " + MAX_LINE + " bytes").toString()
                    : handle(line.toString(StandardCharsets.UTF_8));
            line.reset();
            tooLong = false;
            if (answer != null) {
                out.write(answer);
                out.write('\n');
                out.flush();
            }
        }
        if (line.size() > 0 && !tooLong) {
            String answer = handle(line.toString(StandardCharsets.UTF_8));
            if (answer != null) {
                out.write(answer);
                out.write('\n');
                out.flush();
            }
        }
    }

    /** The answer to one line (a JSON text, no newline), or null when none is due (a notification, a blank line). */
    public @Nullable String handle(String line) {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (text.isBlank()) {
            return null;
        }
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (JacksonException e) {
            return write(error(null, PARSE_ERROR, "Parse error: not a JSON text"));
        }
        ObjectNode answer = answer(msg);
        return answer == null ? null : write(answer);
    }

    private @Nullable ObjectNode answer(JsonNode msg) {
        if (msg.isArray()) {
            return error(null, INVALID_REQUEST, "JSON-RPC batches are not supported by this protocol revision: send one message per line");
        }
        if (!msg.isObject()) {
            return error(null, INVALID_REQUEST, "a message must be a JSON object");
        }
        JsonNode id = msg.get("id");
        boolean hasId = msg.has("id");
        if (hasId && !(id.isString() || id.isIntegralNumber())) {
            return error(null, INVALID_REQUEST, "'id' must be a string or an integer");
        }
        if (!"2.0".equals(msg.path("jsonrpc").stringValue(null))) {
            return error(id, INVALID_REQUEST, "'jsonrpc' must be \"2.0\"");
        }
        JsonNode method = msg.get("method");
        if (method == null && hasId && (msg.has("result") || msg.has("error"))) {
            return null; // a response; this server sends no requests, so there is nothing to match it to
        }
        if (method == null || !method.isString()) {
            return error(id, INVALID_REQUEST, "'method' must be a string");
        }
        JsonNode params = msg.get("params");
        if (params != null && !params.isObject()) {
            return hasId ? error(id, INVALID_PARAMS, "'params' must be an object") : null;
        }
        ObjectNode p = params == null ? JSON.createObjectNode() : (ObjectNode) params;
        if (!hasId) {
            if (method.stringValue().equals("notifications/initialized") && state == State.INITIALIZING) {
                state = State.READY;
            }
            return null; // notifications are never answered; unknown ones are ignored
        }
        try {
            return switch (method.stringValue()) {
                case "initialize" -> result(id, initialize(p));
                case "ping" -> result(id, JSON.createObjectNode());
                case "tools/list" -> result(id, toolsList());
                case "tools/call" -> result(id, toolsCall(p));
                default -> error(id, METHOD_NOT_FOUND, "Method not found: " + printable(method.stringValue()));
            };
        } catch (InvalidParams e) {
            return error(id, INVALID_PARAMS, e.reason);
        } catch (RuntimeException e) {
            // never a stack trace on the wire; the class name is enough to report a bug
            return error(id, INTERNAL_ERROR, "internal error (" + e.getClass().getSimpleName() + ")");
        }
    }

    private ObjectNode initialize(ObjectNode p) {
        JsonNode asked = p.get("protocolVersion");
        if (asked == null || !asked.isString()) {
            throw new InvalidParams("initialize needs 'protocolVersion' (a string)");
        }
        String chosen = PROTOCOL_VERSIONS.contains(asked.stringValue()) ? asked.stringValue() : PROTOCOL_VERSIONS.get(0);
        ObjectNode r = JSON.createObjectNode();
        r.put("protocolVersion", chosen);
        r.putObject("capabilities").putObject("tools").put("listChanged", false);
        ObjectNode info = r.putObject("serverInfo");
        info.put("name", "keyway");
        info.put("title", "Keyway");
        info.put("version", version);
        r.put("instructions", "Keyway holds the real API keys; you hold a Keyway token and placeholders. Use discover to see "
                + "which services you may call through the proxy, explain to see what the proxy would do with a URL, and "
                + "propose to ask a human for a new service or credential (then proposal_status). No tool returns a "
                + "credential value, by design.");
        if (state == State.NEW) {
            state = State.INITIALIZING;
        }
        return r;
    }

    private ObjectNode toolsList() {
        ObjectNode r = JSON.createObjectNode();
        var list = r.putArray("tools");
        for (McpTools.Tool t : tools.list()) {
            ObjectNode o = list.addObject();
            o.put("name", t.name());
            o.put("title", t.title());
            o.put("description", t.description());
            o.set("inputSchema", t.inputSchema());
            o.putObject("annotations").put("readOnlyHint", t.readOnly()).put("openWorldHint", false);
        }
        return r;
    }

    private ObjectNode toolsCall(ObjectNode p) {
        JsonNode name = p.get("name");
        if (name == null || !name.isString()) {
            throw new InvalidParams("tools/call needs 'name' (a string)");
        }
        JsonNode args = p.get("arguments");
        if (args != null && !args.isObject() && !args.isNull()) {
            throw new InvalidParams("'arguments' must be an object");
        }
        ObjectNode a = args == null || args.isNull() ? JSON.createObjectNode() : (ObjectNode) args;
        return tools.call(name.stringValue(), a);
    }

    private static ObjectNode result(@Nullable JsonNode id, ObjectNode result) {
        ObjectNode r = JSON.createObjectNode();
        r.put("jsonrpc", "2.0");
        r.set("id", id);
        r.set("result", result);
        return r;
    }

    static ObjectNode error(@Nullable JsonNode id, int code, String message) {
        ObjectNode r = JSON.createObjectNode();
        r.put("jsonrpc", "2.0");
        if (id == null) {
            r.putNull("id");
        } else {
            r.set("id", id);
        }
        ObjectNode e = r.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return r;
    }

    private static String write(ObjectNode n) {
        return JSON.writeValueAsString(n);
    }

    /** A name from the client, shortened and stripped of control characters before it is echoed. */
    static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    /** Params that do not fit the method or the tool's input schema: answered -32602. */
    static final class InvalidParams extends RuntimeException {
        final String reason;

        InvalidParams(String message) {
            super(message, null, false, false);
            this.reason = message;
        }
    }
}
