package dev.keyway.core.inject;

import dev.keyway.core.service.Names;
import dev.keyway.core.service.ValueExpression;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The credentials resolved for one injection: each resolved at most once, all wiped on close.
 * Arrays handed out stay owned by this object; copy before keeping one. A value is named either by
 * a credential name or by a composite {@link ValueExpression} (in braces for {@code query} and
 * {@code substitute} values), which the resolver evaluates (and may cache); the same refusal rules
 * apply to both.
 */
final class Credentials implements AutoCloseable {
    final String service;
    private final CredentialResolver resolver;
    private final Map<String, byte[]> resolved = new HashMap<>(4);

    Credentials(String service, CredentialResolver resolver) {
        this.service = service;
        this.resolver = resolver;
    }

    /** The value's bytes; {@code spec} is a credential name or an expression in braces. Refuses a missing or empty value. */
    byte[] bytes(String spec) {
        if (Names.isCredentialName(spec)) {
            return credential(spec);
        }
        ValueExpression e;
        try {
            e = ValueExpression.parseValue(spec);
        } catch (IllegalArgumentException bad) { // the service passed the validator, so this is not expected
            throw refuse("the value " + Names.printable(spec) + " of service '" + service + "' is not valid: " + bad.getMessage());
        }
        return bytes(e);
    }

    /** The value of an expression; a bare credential is just that credential. */
    byte[] bytes(ValueExpression e) {
        if (e instanceof ValueExpression.Credential(String name)) {
            return credential(name);
        }
        String key = "{" + e.source() + "}";
        byte[] value = resolved.get(key);
        if (value != null) {
            return value;
        }
        try {
            value = resolver.composite(e, () -> ValueExpression.evaluate(e, this::credential));
        } catch (ValueExpression.TooLarge tooLarge) {
            throw refuse("value " + describe(key) + " for service '" + service + "': " + tooLarge.getMessage());
        }
        resolved.put(key, value);
        if (value.length == 0) {
            throw refuse("value " + describe(key) + " for service '" + service + "' is empty");
        }
        return value;
    }

    private byte[] credential(String name) {
        byte[] value = resolved.get(name);
        if (value != null) {
            return value;
        }
        Optional<byte[]> found = resolver.resolve(name);
        if (found.isEmpty()) {
            throw refuse("credential " + name + " for service '" + service + "' is not set in this vault");
        }
        value = found.get();
        resolved.put(name, value);
        if (value.length == 0) {
            throw refuse("credential " + name + " for service '" + service + "' is empty");
        }
        return value;
    }

    /** The value as a header-safe string: printable ASCII, spaces and tabs only. */
    String headerValue(String spec) {
        return headerSafe(bytes(spec), Names.isCredentialName(spec) ? "credential " + spec : "value " + describe(spec));
    }

    /** An expression's value as a header-safe string (same rule as a credential's). */
    String headerValue(ValueExpression e) {
        return e instanceof ValueExpression.Credential(String name)
                ? headerValue(name)
                : headerSafe(bytes(e), "value " + describe("{" + e.source() + "}"));
    }

    private String headerSafe(byte[] value, String what) {
        for (byte b : value) {
            if ((b < 0x20 && b != '\t') || b == 0x7f || b < 0) {
                throw refuse(what + " for service '" + service + "' contains a line break,"
                        + " control or non-ASCII character and cannot be used in a header");
            }
        }
        return new String(value, StandardCharsets.US_ASCII);
    }

    private static String describe(String spec) {
        return spec.length() > 80 ? spec.substring(0, 77) + "..." : spec;
    }

    /** Every value resolved so far, by credential name or {@code {expression}} (owned here: copy to keep). */
    Map<String, byte[]> values() {
        return java.util.Collections.unmodifiableMap(resolved);
    }

    Refused refuse(String message) {
        return new Refused(message);
    }

    @Override
    public void close() {
        for (byte[] v : resolved.values()) {
            Arrays.fill(v, (byte) 0);
        }
        resolved.clear();
    }

    /** A credential cannot be used; the message is user-facing and names no value. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
