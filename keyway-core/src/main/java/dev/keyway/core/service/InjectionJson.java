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
    private static final String KINDS = "none, bearer, basic, header, query, substitute";

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
        };
    }
}
