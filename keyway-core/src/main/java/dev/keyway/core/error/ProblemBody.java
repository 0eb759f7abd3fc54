package dev.keyway.core.error;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one RFC 9457 problem document both listeners send (the control-plane API and the proxy), so
 * an agent or script parses a Keyway error the same way wherever it came from: {@code type},
 * {@code title}, {@code status}, {@code detail}, any extras, and {@code request_id} (the same
 * member name as in audit records). Each listener serialises {@link #members()} with its JSON
 * mapper.
 *
 * @param extras additional members (e.g. {@code field}); they can never replace a standard member
 */
public record ProblemBody(ErrorType type, String detail, Map<String, Object> extras, String requestId) {
    /** Member name of the request id, shared with audit records. */
    public static final String REQUEST_ID = "request_id";

    private static final Set<String> STANDARD = Set.of("type", "title", "status", "detail", REQUEST_ID);

    public ProblemBody {
        extras = Map.copyOf(extras);
    }

    public ProblemBody(ErrorType type, String detail, String requestId) {
        this(type, detail, Map.of(), requestId);
    }

    /** The document's members in their conventional order; extras never override the standard ones. */
    public Map<String, Object> members() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", type.uri().toString());
        doc.put("title", type.title());
        doc.put("status", type.status());
        doc.put("detail", detail);
        extras.forEach((k, v) -> {
            if (!STANDARD.contains(k)) {
                doc.put(k, v);
            }
        });
        doc.put(REQUEST_ID, requestId);
        return Collections.unmodifiableMap(doc);
    }
}
