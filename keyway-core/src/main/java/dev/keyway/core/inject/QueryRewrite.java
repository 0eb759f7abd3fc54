package dev.keyway.core.inject;

/** Sets one query parameter in a raw request target, leaving every other byte as the client sent it. */
final class QueryRewrite {
    private QueryRewrite() {}

    /**
     * Returns {@code pathAndQuery} with parameter {@code param} set to {@code encodedValue}: the
     * first client copy (name compared after lenient decoding) is replaced in place, further copies
     * are removed, and without a copy the parameter is appended. Other parameters keep their order
     * and encoding.
     *
     * @param param an unreserved-characters name (validated), written as is
     * @param encodedValue an already percent-encoded value
     */
    static String setParam(String pathAndQuery, String param, String encodedValue) {
        int q = pathAndQuery.indexOf('?');
        String pair = param + "=" + encodedValue;
        if (q < 0) {
            return pathAndQuery + "?" + pair;
        }
        String path = pathAndQuery.substring(0, q);
        String query = pathAndQuery.substring(q + 1);
        if (query.isEmpty()) {
            return path + "?" + pair;
        }
        StringBuilder out = new StringBuilder(pathAndQuery.length() + pair.length() + 1).append(path).append('?');
        boolean replaced = false;
        boolean first = true;
        for (String piece : query.split("&", -1)) {
            int eq = piece.indexOf('=');
            String name = eq < 0 ? piece : piece.substring(0, eq);
            String emit = piece;
            if (PercentCodec.decodeQueryName(name).equals(param)) {
                if (replaced) {
                    continue;
                }
                emit = pair;
                replaced = true;
            }
            if (!first) {
                out.append('&');
            }
            out.append(emit);
            first = false;
        }
        if (!replaced) {
            if (!first) {
                out.append('&');
            }
            out.append(pair);
        }
        return out.toString();
    }

    /**
     * Returns {@code pathAndQuery} without any copy of parameter {@code param} (names compared after
     * lenient decoding); the {@code ?} goes too when nothing is left. Other parameters are untouched.
     */
    static String removeParam(String pathAndQuery, String param) {
        int q = pathAndQuery.indexOf('?');
        if (q < 0) {
            return pathAndQuery;
        }
        StringBuilder kept = new StringBuilder(pathAndQuery.length());
        for (String piece : pathAndQuery.substring(q + 1).split("&", -1)) {
            int eq = piece.indexOf('=');
            String name = eq < 0 ? piece : piece.substring(0, eq);
            if (PercentCodec.decodeQueryName(name).equals(param)) {
                continue;
            }
            if (!kept.isEmpty()) {
                kept.append('&');
            }
            kept.append(piece);
        }
        String path = pathAndQuery.substring(0, q);
        return kept.isEmpty() ? path : path + "?" + kept;
    }

    /** Appends {@code param=encodedValue} as the last parameter. */
    static String appendParam(String pathAndQuery, String param, String encodedValue) {
        int q = pathAndQuery.indexOf('?');
        String sep = q < 0 ? "?" : q == pathAndQuery.length() - 1 ? "" : "&";
        return pathAndQuery + sep + param + "=" + encodedValue;
    }
}
