package dev.keyway.core.source;

import org.jspecify.annotations.Nullable;

/**
 * A HashiCorp Vault / OpenBao KV reference: {@code MOUNT/PATH#FIELD[?version=N]}, e.g.
 * {@code secret/app#api_key} (mount {@code secret}, path {@code app}, field {@code api_key}).
 * The version applies to KV v2 only. Segments may not be empty, {@code .} or {@code ..}, and may
 * only use URL-safe characters, so the parsed parts can be put into a request path as is.
 */
public record VaultRef(String mount, String path, String field, @Nullable Integer version) {
    private static final String SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+=";

    public static VaultRef parse(String ref) throws SourceFailure {
        String s = ref;
        Integer version = null;
        int q = s.indexOf('?');
        if (q >= 0) {
            String query = s.substring(q + 1);
            s = s.substring(0, q);
            if (!query.startsWith("version=")) {
                throw bad("the only query parameter is ?version=N");
            }
            try {
                version = Integer.parseInt(query.substring("version=".length()));
            } catch (NumberFormatException e) {
                throw bad("?version= takes a positive integer");
            }
            if (version < 1) {
                throw bad("?version= takes a positive integer");
            }
        }
        int hash = s.indexOf('#');
        if (hash < 0 || hash == s.length() - 1) {
            throw bad("name the field: MOUNT/PATH#FIELD (e.g. secret/app#api_key)");
        }
        String field = s.substring(hash + 1);
        String full = s.substring(0, hash);
        int slash = full.indexOf('/');
        if (slash <= 0 || slash == full.length() - 1) {
            throw bad("the reference needs a mount and a path: MOUNT/PATH#FIELD (e.g. secret/app#api_key)");
        }
        String mount = full.substring(0, slash);
        String path = full.substring(slash + 1);
        for (String seg : full.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw bad("empty, '.' or '..' path segment");
            }
            checkChars(seg);
        }
        if (field.length() > 256 || field.chars().anyMatch(Character::isISOControl)) {
            throw bad("the field must be 1-256 characters without control characters");
        }
        return new VaultRef(mount, path, field, version);
    }

    private static void checkChars(String seg) throws SourceFailure {
        for (int i = 0; i < seg.length(); i++) {
            if (SAFE.indexOf(seg.charAt(i)) < 0) {
                throw bad("path segments may use letters, digits and - _ . @ + = only");
            }
        }
    }

    private static SourceFailure bad(String why) {
        return new SourceFailure(SourceFailure.Kind.BAD_REF, why);
    }
}
