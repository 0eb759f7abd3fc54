package dev.keyway.core.inject;

import dev.keyway.core.service.Injection;
import dev.keyway.core.service.Names;
import dev.keyway.core.service.ValueExpression;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The forms in which the values of one injection may come back in a response, each with its
 * replacement: the {@link Redactions} the {@link Injector} hands to the proxy. For every value it
 * resolved (a credential, a composite value, and the credentials a composite read): the raw bytes,
 * the percent-encoded forms used in a query and in a path segment, and the JSON-escaped form (an
 * echo service quoting a header in a JSON body); plus the base64 token of an {@code Authorization:
 * Basic} header Keyway set or rewrote, and the token an {@code inject: jwt} minted for the request
 * (no stored value, but a bearer credential until it expires). An echo of a substituted value
 * becomes the client's own placeholder (for a Basic header, the client's own token); anything else
 * becomes {@code [REDACTED:NAME]}.
 */
final class EchoForms {
    private static final String AUTHORIZATION = "Authorization";

    private EchoForms() {}

    static Redactions of(Injection injection, HttpHead in, HttpHead out, Map<String, byte[]> values) {
        List<Redactions.Echo> echoes = new ArrayList<>();
        String substituted = injection instanceof Injection.Substitute s ? s.credential() : null;
        String placeholder = injection instanceof Injection.Substitute s ? s.placeholder() : null;
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            byte[] v = e.getValue();
            if (v.length == 0) {
                continue;
            }
            String replacement = placeholder != null && e.getKey().equals(substituted)
                    ? placeholder : "[REDACTED:" + label(e.getKey()) + "]";
            byte[] r = replacement.getBytes(StandardCharsets.UTF_8);
            echoes.add(new Redactions.Echo(v.clone(), r));
            if (!PercentCodec.allUnreserved(v)) { // else (most API keys) every form is the raw value
                addIfDifferent(echoes, v, PercentCodec.encodeQuery(v), r);
                addIfDifferent(echoes, v, PercentCodec.encodePathSegment(v), r);
                addIfDifferent(echoes, v, jsonEscaped(v), r);
            }
        }
        String token = basicToken(out.header(AUTHORIZATION));
        String before = basicToken(in.header(AUTHORIZATION));
        if (token != null && !token.equals(before)) {
            String replacement = injection instanceof Injection.Substitute && before != null
                    ? before : "[REDACTED:" + String.join("+", new TreeSet<>(injection.credentialNames())) + "]";
            echoes.add(new Redactions.Echo(token.getBytes(StandardCharsets.ISO_8859_1),
                    replacement.getBytes(StandardCharsets.ISO_8859_1)));
        }
        if (injection instanceof Injection.Jwt) {
            // the minted token is a bearer credential for as long as it lives: an echo of it is redacted like a value
            String jwt = bearerToken(out.header(AUTHORIZATION));
            if (jwt != null) {
                echoes.add(new Redactions.Echo(jwt.getBytes(StandardCharsets.ISO_8859_1), ("[REDACTED:"
                        + String.join("+", new TreeSet<>(injection.credentialNames())) + "]").getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        return Redactions.of(echoes);
    }

    private static void addIfDifferent(List<Redactions.Echo> echoes, byte[] raw, String form, byte[] replacement) {
        byte[] f = form.getBytes(StandardCharsets.UTF_8);
        if (Arrays.equals(f, raw)) {
            Arrays.fill(f, (byte) 0);
            return;
        }
        echoes.add(new Redactions.Echo(f, replacement));
    }

    /** A credential's name, or the credentials a composite value reads. */
    private static String label(String key) {
        if (Names.isCredentialName(key)) {
            return key;
        }
        try {
            return String.join("+", new TreeSet<>(ValueExpression.credentialNamesOfValue(key)));
        } catch (IllegalArgumentException e) {
            return "VALUE";
        }
    }

    private static @Nullable String basicToken(@Nullable String value) {
        if (value == null || value.length() < 7 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String t = value.substring(6).strip();
        return t.isEmpty() ? null : t;
    }

    private static @Nullable String bearerToken(@Nullable String value) {
        if (value == null || value.length() < 8 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String t = value.substring(7).strip();
        return t.isEmpty() ? null : t;
    }

    /** The value as it appears inside a JSON string (RFC 8259 §7): quote, backslash and controls escaped. */
    static String jsonEscaped(byte[] v) {
        String s = new String(v, StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
