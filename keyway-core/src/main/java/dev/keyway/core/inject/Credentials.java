package dev.keyway.core.inject;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The credentials resolved for one injection: each resolved at most once, all wiped on close.
 * Arrays handed out stay owned by this object; copy before keeping one.
 */
final class Credentials implements AutoCloseable {
    final String service;
    private final CredentialResolver resolver;
    private final Map<String, byte[]> resolved = new HashMap<>(4);

    Credentials(String service, CredentialResolver resolver) {
        this.service = service;
        this.resolver = resolver;
    }

    /** The value's bytes; refuses a missing or empty credential. */
    byte[] bytes(String name) {
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
    String headerValue(String name) {
        byte[] value = bytes(name);
        for (byte b : value) {
            if ((b < 0x20 && b != '\t') || b == 0x7f || b < 0) {
                throw refuse("credential " + name + " for service '" + service + "' contains a line break,"
                        + " control or non-ASCII character and cannot be used in a header");
            }
        }
        return new String(value, StandardCharsets.US_ASCII);
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
