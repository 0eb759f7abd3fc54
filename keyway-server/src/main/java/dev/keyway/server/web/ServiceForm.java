package dev.keyway.server.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The "service from scratch" form: turns its fields into the service wire format (the same JSON the
 * API and {@code services.yaml} take) and maps the validator's field paths ({@code paths[1]},
 * {@code inject.bearer}, ...) back to the form fields, so an error shows next to the right input.
 * The rules themselves are only in {@code ServiceValidator}.
 */
final class ServiceForm {
    static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
    static final List<String> SURFACES = List.of("header", "path", "query", "body");
    static final List<String[]> KINDS = List.of(
            new String[] {"bearer", "Bearer token (Authorization: Bearer …)"},
            new String[] {"header", "Header template (e.g. x-api-key: {KEY})"},
            new String[] {"basic", "HTTP Basic"},
            new String[] {"query", "Query parameter (?key=…)"},
            new String[] {"substitute", "Placeholder substitution"},
            new String[] {"none", "Nothing (allow and audit only)"});

    private ServiceForm() {}

    /** The service definition the form describes (not yet validated). */
    static Map<String, Object> toDefinition(Form f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", f.get("name").strip());
        m.put("host", f.get("host").strip().toLowerCase(Locale.ROOT));
        List<String> methods = new ArrayList<>();
        for (String v : f.all("methods")) {
            if (!v.isBlank() && !methods.contains(v.strip().toUpperCase(Locale.ROOT))) {
                methods.add(v.strip().toUpperCase(Locale.ROOT));
            }
        }
        if (!methods.isEmpty()) {
            m.put("methods", methods);
        }
        List<String> paths = lines(f.get("paths"));
        if (!paths.isEmpty()) {
            m.put("paths", paths);
        }
        m.put("enabled", !f.has("enabled_present") || f.checked("enabled"));
        m.put("allow_private", f.checked("allow_private"));
        if (f.checked("allow_plaintext")) {
            m.put("allow_plaintext", true);
        }
        if (f.has("redact_responses_present") && !f.checked("redact_responses")) {
            m.put("redact_responses", false); // unchecked on the form (checked by default); absent field = on
        }
        String description = f.get("description").strip();
        if (!description.isEmpty()) {
            m.put("description", description);
        }
        m.put("inject", injection(f));
        return m;
    }

    private static Object injection(Form f) {
        String credential = f.get("credential").strip();
        return switch (f.get("kind")) {
            case "none" -> "none";
            case "header" -> Map.of("header", Map.of(f.get("header_name").strip(), f.get("header_value").strip()));
            case "basic" -> {
                Map<String, String> b = new LinkedHashMap<>();
                String userCredential = f.get("basic_username_credential").strip();
                String userLiteral = f.get("basic_username_literal").strip();
                if (!userCredential.isEmpty()) {
                    b.put("username", userCredential);
                }
                if (!userLiteral.isEmpty()) {
                    b.put("username_literal", userLiteral);
                }
                b.put("password", f.get("basic_password").strip());
                yield Map.of("basic", b);
            }
            case "query" -> Map.of("query", Map.of(f.get("query_param").strip(), credential));
            case "substitute" -> {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("placeholder", f.get("placeholder").strip());
                s.put("credential", credential);
                List<String> in = f.all("surfaces").stream().filter(SURFACES::contains).toList();
                if (!in.isEmpty()) {
                    s.put("in", in);
                }
                yield Map.of("substitute", s);
            }
            default -> Map.of("bearer", credential);
        };
    }

    /** The form field showing the error for a validator field path (and message). */
    static String formField(String field, String detail) {
        if (field.startsWith("paths")) {
            return "paths";
        }
        if (field.startsWith("methods")) {
            return "methods";
        }
        if (field.startsWith("inject.header")) {
            return detail.contains("header name") || detail.contains("frames or routes") || detail.contains("listed twice")
                    ? "header_name" : "header_value";
        }
        return switch (field) {
            case "name", "host", "description" -> field;
            case "inject.bearer", "inject.substitute.credential" -> "credential";
            case "inject.query" -> "query_param";
            case "inject.substitute.placeholder" -> "placeholder";
            case "inject.substitute.in" -> "surfaces";
            case "inject.basic", "inject.basic.username" -> "basic_username_credential";
            case "inject.basic.username_literal" -> "basic_username_literal";
            case "inject.basic.password" -> "basic_password";
            default -> field.startsWith("inject.query.") ? "credential" : "";
        };
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("[\\r\\n]+")) {
            if (!l.isBlank()) {
                out.add(l.strip());
            }
        }
        return out;
    }
}
