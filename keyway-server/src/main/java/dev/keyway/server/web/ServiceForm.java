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
            new String[] {"hmac", "HMAC request signature (exchange / payment APIs)"},
            new String[] {"jwt", "Signed JWT per request (ES256, RS256, EdDSA)"},
            new String[] {"none", "Nothing (allow and audit only)"});

    static final List<String[]> HMAC_ALGORITHMS = List.of(new String[] {"sha256", "HMAC-SHA256"},
            new String[] {"sha512", "HMAC-SHA512"});
    static final List<String[]> HMAC_ENCODINGS = List.of(new String[] {"hex", "hex"}, new String[] {"base64", "base64"});
    static final List<String[]> KEY_ENCODINGS = List.of(new String[] {"raw", "the key as stored"},
            new String[] {"base64", "base64-decoded"});
    static final List<String[]> TIMESTAMP_UNITS = List.of(new String[] {"s", "seconds"}, new String[] {"ms", "milliseconds"});
    static final List<String[]> JWT_ALGORITHMS = List.of(new String[] {"ES256", "ES256 (P-256)"},
            new String[] {"RS256", "RS256"}, new String[] {"EdDSA", "EdDSA (Ed25519)"});

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
            case "hmac" -> Map.of("hmac", hmac(f));
            case "jwt" -> Map.of("jwt", jwt(f));
            default -> Map.of("bearer", credential);
        };
    }

    /** {@code inject: hmac}: empty optional fields are left out, so the service's defaults apply. */
    private static Map<String, Object> hmac(Form f) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("key", f.get("hmac_key").strip());
        putIfSet(h, "key_encoding", f.get("hmac_key_encoding"));
        putIfSet(h, "algorithm", f.get("hmac_algorithm"));
        h.put("template", f.get("hmac_template")); // literal: spaces may belong to the string to sign
        putIfSet(h, "signature_header", f.get("hmac_signature_header"));
        putIfSet(h, "signature_query", f.get("hmac_signature_query"));
        putIfSet(h, "encoding", f.get("hmac_encoding"));
        putIfSet(h, "timestamp_unit", f.get("hmac_timestamp_unit"));
        putIfSet(h, "timestamp_header", f.get("hmac_timestamp_header"));
        putIfSet(h, "timestamp_query", f.get("hmac_timestamp_query"));
        putIfSet(h, "nonce_header", f.get("hmac_nonce_header"));
        Map<String, String> headers = pairs(f.get("hmac_headers"));
        if (!headers.isEmpty()) {
            h.put("headers", headers);
        }
        return h;
    }

    /** {@code inject: jwt}: claims are "name: template" lines. */
    private static Map<String, Object> jwt(Form f) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("key", f.get("jwt_key").strip());
        j.put("algorithm", f.get("jwt_algorithm").strip());
        putIfSet(j, "kid", f.get("jwt_kid"));
        Map<String, String> claims = pairs(f.get("jwt_claims"));
        if (!claims.isEmpty()) {
            j.put("claims", claims);
        }
        putIfSet(j, "lifetime", f.get("jwt_lifetime"));
        if (f.checked("jwt_nonce")) {
            j.put("nonce", true);
        }
        return j;
    }

    private static void putIfSet(Map<String, Object> m, String member, String value) {
        if (!value.isBlank()) {
            m.put(member, value.strip());
        }
    }

    /** "Name: value" lines (split at the first colon; a line without one is a name with an empty value, which the validator names). */
    private static Map<String, String> pairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : lines(text)) {
            int c = l.indexOf(':');
            out.put(c < 0 ? l : l.substring(0, c).strip(), c < 0 ? "" : l.substring(c + 1).strip());
        }
        return out;
    }

    /** The form field showing the error for a validator field path (and message). */
    static String formField(String field, String detail) {
        if (field.startsWith("paths")) {
            return "paths";
        }
        if (field.startsWith("methods")) {
            return "methods";
        }
        if (field.startsWith("inject.hmac.headers")) {
            return "hmac_headers";
        }
        if (field.startsWith("inject.jwt.claims")) {
            return "jwt_claims";
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
            case "inject.hmac.key" -> "hmac_key";
            case "inject.hmac.template" -> "hmac_template";
            case "inject.hmac.timestamp_query" -> "hmac_timestamp_query";
            case "inject.hmac" -> detail.contains("template") ? "hmac_template" : detail.contains("key") ? "hmac_key"
                    : "hmac_signature_header";
            case "inject.jwt.key" -> "jwt_key";
            case "inject.jwt.kid" -> "jwt_kid";
            case "inject.jwt.lifetime" -> "jwt_lifetime";
            case "inject.jwt" -> detail.contains("key") ? "jwt_key" : "jwt_algorithm";
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
