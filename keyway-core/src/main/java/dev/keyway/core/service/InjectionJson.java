package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes the friendly wire form of {@link Injection} from/to plain Java values (String,
 * Map, List) so that keyway-core needs only Jackson's annotations, not its databind. Shape errors
 * are IllegalArgumentExceptions whose message names the member ({@code inject.basic.user}); Jackson
 * reports them with the line and column.
 */
final class InjectionJson {
    private static final String KINDS = "none, bearer, basic, header, query, substitute, hmac, jwt";

    private InjectionJson() {}

    static Injection read(@Nullable Object json) {
        if (json == null) {
            throw new IllegalArgumentException(
                    "inject is required: one of " + KINDS + " (use 'inject: none' to only allow traffic)");
        }
        if (json instanceof String s) {
            if (s.equals("none")) {
                return new Injection.None();
            }
            throw new IllegalArgumentException("inject: '" + s + "' is not an injection; write 'none' or an object"
                    + " with exactly one of " + KINDS + " (e.g. inject: { bearer: OPENAI_API_KEY })");
        }
        if (!(json instanceof Map<?, ?> map) || map.size() != 1) {
            throw new IllegalArgumentException("inject must be 'none' or an object with exactly one of " + KINDS
                    + (json instanceof Map<?, ?> m ? "; found " + m.keySet() : ""));
        }
        Map.Entry<?, ?> e = map.entrySet().iterator().next();
        String kind = String.valueOf(e.getKey());
        Object body = e.getValue();
        return switch (kind) {
            case "none" -> new Injection.None();
            case "bearer" -> new Injection.Bearer(string(body, "inject.bearer", "a credential name"));
            case "basic" -> readBasic(body);
            case "header" -> readHeaders(body);
            case "query" -> readQuery(body);
            case "substitute" -> readSubstitute(body);
            case "hmac" -> readHmac(body);
            case "jwt" -> readJwt(body);
            default ->
                throw new IllegalArgumentException(
                        "inject: unknown injection kind '" + kind + "'; expected one of " + KINDS);
        };
    }

    private static Injection readBasic(@Nullable Object body) {
        Map<?, ?> m = object(body, "inject.basic", Set.of("username", "username_literal", "password"));
        Object user = m.get("username");
        Object literal = m.get("username_literal");
        if ((user == null) == (literal == null)) {
            throw new IllegalArgumentException("inject.basic needs exactly one of 'username' (a credential name)"
                    + " or 'username_literal' (a fixed user name such as x-access-token)");
        }
        Object password = m.get("password");
        if (password == null) {
            throw new IllegalArgumentException("inject.basic.password is required (a credential name)");
        }
        return new Injection.Basic(
                user == null ? null : string(user, "inject.basic.username", "a credential name"),
                literal == null ? null : string(literal, "inject.basic.username_literal", "a user name"),
                string(password, "inject.basic.password", "a credential name"));
    }

    private static Injection readHeaders(@Nullable Object body) {
        if (!(body instanceof Map<?, ?> m) || m.isEmpty()) {
            throw new IllegalArgumentException(
                    "inject.header must map header names to value templates, e.g. { Authorization: \"token {TOKEN}\" }");
        }
        List<HeaderTemplate> headers = new ArrayList<>();
        for (Map.Entry<?, ?> h : m.entrySet()) {
            String name = String.valueOf(h.getKey());
            headers.add(new HeaderTemplate(name, string(h.getValue(), "inject.header." + name, "a value template")));
        }
        return new Injection.Headers(headers);
    }

    private static Injection readQuery(@Nullable Object body) {
        if (!(body instanceof Map<?, ?> m) || m.size() != 1) {
            throw new IllegalArgumentException(
                    "inject.query must map exactly one parameter name to a credential, e.g. { key: GEMINI_API_KEY }");
        }
        Map.Entry<?, ?> q = m.entrySet().iterator().next();
        String param = String.valueOf(q.getKey());
        return new Injection.Query(param, string(q.getValue(), "inject.query." + param, "a credential name"));
    }

    private static Injection readSubstitute(@Nullable Object body) {
        Map<?, ?> m = object(body, "inject.substitute", Set.of("placeholder", "credential", "in"));
        Object placeholder = m.get("placeholder");
        Object credential = m.get("credential");
        if (placeholder == null || credential == null) {
            throw new IllegalArgumentException("inject.substitute needs 'placeholder' and 'credential'");
        }
        Set<Surface> surfaces = Injection.Substitute.DEFAULT_SURFACES;
        Object in = m.get("in");
        if (in != null) {
            List<?> list = in instanceof List<?> l ? l : List.of(in);
            surfaces = EnumSet.noneOf(Surface.class);
            for (Object s : list) {
                try {
                    surfaces.add(Surface.fromWireName(string(s, "inject.substitute.in", "a surface name")));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("inject.substitute.in: " + ex.getMessage(), ex);
                }
            }
        }
        return new Injection.Substitute(
                string(placeholder, "inject.substitute.placeholder", "a string"),
                string(credential, "inject.substitute.credential", "a credential name"),
                surfaces);
    }

    private static final Set<String> HMAC_MEMBERS = Set.of("key", "key_encoding", "algorithm", "template",
            "signature_header", "signature_query", "encoding", "timestamp_unit", "timestamp_header", "timestamp_query",
            "nonce_header", "headers");
    private static final Set<String> JWT_MEMBERS = Set.of("key", "algorithm", "kid", "claims", "lifetime", "not_before",
            "nonce");

    private static Injection readHmac(@Nullable Object body) {
        Map<?, ?> m = object(body, "inject.hmac", HMAC_MEMBERS);
        String key = required(m, "key", "inject.hmac", "a credential name");
        String template = required(m, "template", "inject.hmac", "a string-to-sign template such as \"{query}{body}\"");
        List<HeaderTemplate> headers = new ArrayList<>();
        Object hs = m.get("headers");
        if (hs != null) {
            if (!(hs instanceof Map<?, ?> hm)) {
                throw new IllegalArgumentException("inject.hmac.headers must map header names to value templates,"
                        + " e.g. { X-MBX-APIKEY: \"{BINANCE_API_KEY}\" }");
            }
            for (Map.Entry<?, ?> h : hm.entrySet()) {
                String name = String.valueOf(h.getKey());
                headers.add(new HeaderTemplate(name, string(h.getValue(), "inject.hmac.headers." + name, "a value template")));
            }
        }
        try {
            return new Injection.Hmac(key,
                    dev.keyway.core.sign.Hmacs.KeyEncoding.fromWireName(optional(m, "key_encoding", "inject.hmac", "raw")),
                    dev.keyway.core.sign.Hmacs.Algorithm.fromWireName(optional(m, "algorithm", "inject.hmac", "sha256")),
                    template,
                    nullable(m, "signature_header", "inject.hmac"),
                    nullable(m, "signature_query", "inject.hmac"),
                    dev.keyway.core.sign.Hmacs.Encoding.fromWireName(optional(m, "encoding", "inject.hmac", "hex")),
                    dev.keyway.core.sign.TimestampUnit.fromWireName(optional(m, "timestamp_unit", "inject.hmac", "s")),
                    nullable(m, "timestamp_header", "inject.hmac"),
                    nullable(m, "timestamp_query", "inject.hmac"),
                    nullable(m, "nonce_header", "inject.hmac"),
                    headers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("inject.hmac: " + e.getMessage(), e);
        }
    }

    private static Injection readJwt(@Nullable Object body) {
        Map<?, ?> m = object(body, "inject.jwt", JWT_MEMBERS);
        String key = required(m, "key", "inject.jwt", "a credential name");
        String alg = required(m, "algorithm", "inject.jwt", "ES256, RS256 or EdDSA");
        Map<String, String> claims = new java.util.LinkedHashMap<>();
        Object cs = m.get("claims");
        if (cs != null) {
            if (!(cs instanceof Map<?, ?> cm)) {
                throw new IllegalArgumentException("inject.jwt.claims must map claim names to templates,"
                        + " e.g. { iss: cdp, sub: \"{CDP_KEY_NAME}\" }");
            }
            for (Map.Entry<?, ?> c : cm.entrySet()) {
                String name = String.valueOf(c.getKey());
                claims.put(name, string(c.getValue(), "inject.jwt.claims." + name, "a template"));
            }
        }
        java.time.Duration lifetime = Injection.Jwt.DEFAULT_LIFETIME;
        Object lt = m.get("lifetime");
        if (lt != null) {
            String text = lt instanceof Number n ? n + "s" : string(lt, "inject.jwt.lifetime", "a duration such as 120s");
            try {
                lifetime = dev.keyway.core.time.Durations.parse("inject.jwt.lifetime", text);
            } catch (dev.keyway.core.error.KeywayException e) {
                throw new IllegalArgumentException(e.detail(), e);
            }
        }
        try {
            return new Injection.Jwt(key, dev.keyway.core.sign.Jwts.Algorithm.fromWireName(alg), nullable(m, "kid", "inject.jwt"),
                    claims, lifetime, bool(m, "not_before", "inject.jwt", true), bool(m, "nonce", "inject.jwt", false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("inject.jwt: " + e.getMessage(), e);
        }
    }

    private static String required(Map<?, ?> m, String member, String field, String what) {
        Object v = m.get(member);
        if (v == null) {
            throw new IllegalArgumentException(field + "." + member + " is required (" + what + ")");
        }
        return string(v, field + "." + member, what);
    }

    private static String optional(Map<?, ?> m, String member, String field, String dflt) {
        Object v = m.get(member);
        return v == null ? dflt : string(v, field + "." + member, "a string");
    }

    private static @Nullable String nullable(Map<?, ?> m, String member, String field) {
        Object v = m.get(member);
        return v == null ? null : string(v, field + "." + member, "a string");
    }

    private static boolean bool(Map<?, ?> m, String member, String field, boolean dflt) {
        Object v = m.get(member);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(field + "." + member + " must be true or false");
    }

    private static Map<?, ?> object(@Nullable Object body, String field, Set<String> allowed) {
        if (!(body instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(field + " must be an object with members " + sorted(allowed));
        }
        for (Object key : m.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(
                        field + ": unknown member '" + key + "'; expected " + sorted(allowed));
            }
        }
        return m;
    }

    private static String string(@Nullable Object value, String field, String what) {
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(field + " must be " + what + " (a string)");
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }

    private static void putIfSet(Map<String, Object> m, String member, @Nullable String value) {
        if (value != null) {
            m.put(member, value);
        }
    }

    static Object write(Injection injection) {
        return switch (injection) {
            case Injection.None n -> "none";
            case Injection.Bearer b -> Map.of("bearer", b.credential());
            case Injection.Basic b -> {
                Map<String, Object> m = new LinkedHashMap<>();
                if (b.usernameCredential() != null) {
                    m.put("username", b.usernameCredential());
                }
                if (b.usernameLiteral() != null) {
                    m.put("username_literal", b.usernameLiteral());
                }
                m.put("password", b.passwordCredential());
                yield Map.of("basic", m);
            }
            case Injection.Headers h -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (HeaderTemplate t : h.headers()) {
                    m.put(t.name(), t.format());
                }
                yield Map.of("header", m);
            }
            case Injection.Query q -> Map.of("query", Map.of(q.param(), q.credential()));
            case Injection.Substitute s -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("placeholder", s.placeholder());
                m.put("credential", s.credential());
                m.put("in", s.surfaces().stream().map(Surface::wireName).toList());
                yield Map.of("substitute", m);
            }
            case Injection.Hmac h -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", h.key());
                m.put("key_encoding", h.keyEncoding().wireName());
                m.put("algorithm", h.algorithm().wireName());
                m.put("template", h.template());
                putIfSet(m, "signature_header", h.signatureHeader());
                putIfSet(m, "signature_query", h.signatureQuery());
                m.put("encoding", h.encoding().wireName());
                m.put("timestamp_unit", h.timestampUnit().wireName());
                putIfSet(m, "timestamp_header", h.timestampHeader());
                putIfSet(m, "timestamp_query", h.timestampQuery());
                putIfSet(m, "nonce_header", h.nonceHeader());
                if (!h.headers().isEmpty()) {
                    Map<String, Object> hs = new LinkedHashMap<>();
                    for (HeaderTemplate t : h.headers()) {
                        hs.put(t.name(), t.format());
                    }
                    m.put("headers", hs);
                }
                yield Map.of("hmac", m);
            }
            case Injection.Jwt j -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", j.key());
                m.put("algorithm", j.algorithm().jose());
                putIfSet(m, "kid", j.kid());
                m.put("claims", new LinkedHashMap<>(j.claims()));
                m.put("lifetime", dev.keyway.core.time.Durations.format(j.lifetime()));
                m.put("not_before", j.notBefore());
                m.put("nonce", j.nonce());
                yield Map.of("jwt", m);
            }
        };
    }
}
