package dev.keyway.core.approval;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.keyway.core.service.PathGlob;
import dev.keyway.core.time.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which requests of a service a human must approve before Keyway forwards them ({@code approval:} in
 * {@code services.yaml}, {@code --require-approval} on the CLI). A request needs approval when its
 * method is in {@link #methods} (empty: any method) and its path matches one of {@link #paths}
 * (empty: any path); the proxy then holds it for at most {@link #timeout}.
 *
 * <pre>{@code
 * approval:
 *   methods: [POST, DELETE]     # optional; omitted or [] = every method
 *   paths: ["/repos/**"]        # optional; omitted or [] = every path
 *   timeout: 120s               # optional, default 120s, 1s to 1h
 * }</pre>
 *
 * Why a rule inside the service rather than a separate policy object: whether a request is held is
 * decided from the same match as the injection, so it can never apply to a request the service
 * does not inject into, and a service's YAML says everything that happens to its requests.
 *
 * @param methods upper-case methods that need approval; empty means every method
 * @param paths path globs ({@link PathGlob}) that need approval; empty means every path
 * @param timeout how long a request is held before it is answered 403 {@code approval-timeout}
 */
public record ApprovalRule(List<String> methods, List<String> paths, Duration timeout) {
    /** The timeout when none is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    /** The shortest timeout accepted. */
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    /** The longest timeout accepted: a held request keeps a connection and its buffered body open. */
    public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    public ApprovalRule {
        methods = List.copyOf(methods);
        paths = List.copyOf(paths);
        Objects.requireNonNull(timeout, "timeout");
    }

    /** Every request of the service, with the default timeout. */
    public static ApprovalRule everything() {
        return new ApprovalRule(List.of(), List.of(), DEFAULT_TIMEOUT);
    }

    /**
     * Whether a request needs approval under this rule. {@code path} is the request path without
     * the query, as the service matcher sees it. The globs are compiled per call: a rule has a few
     * short globs, and only services with a rule get here.
     */
    public boolean requires(String method, String path) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return false;
        }
        if (paths.isEmpty()) {
            return true;
        }
        for (String glob : paths) {
            if (PathGlob.compile(glob).matches(path)) {
                return true;
            }
        }
        return false;
    }

    /** The JSON/YAML form: empty lists omitted, the timeout as a human duration ({@code 120s}, {@code 2m}). */
    @JsonValue
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!methods.isEmpty()) {
            m.put("methods", methods);
        }
        if (!paths.isEmpty()) {
            m.put("paths", paths);
        }
        m.put("timeout", Durations.format(timeout));
        return m;
    }

    private static final Set<String> MEMBERS = Set.of("methods", "paths", "timeout");

    /**
     * Reads the {@code approval} member of a service: a map with optional {@code methods},
     * {@code paths} (a list, or one string) and {@code timeout}; {@code true} is shorthand for
     * every request with the default timeout. Shape errors are IllegalArgumentException; the values
     * themselves are checked by the service validator.
     */
    public static @Nullable ApprovalRule fromJson(@Nullable Object json) {
        if (json == null || Boolean.FALSE.equals(json)) {
            return null;
        }
        if (Boolean.TRUE.equals(json)) {
            return everything();
        }
        if (!(json instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("'approval' must be a map {methods, paths, timeout} or true");
        }
        for (Object k : map.keySet()) {
            if (!(k instanceof String s) || !MEMBERS.contains(s)) {
                throw new IllegalArgumentException("'approval' has an unknown member '" + k
                        + "'; expected methods, paths, timeout");
            }
        }
        Object t = map.get("timeout");
        Duration timeout;
        if (t == null) {
            timeout = DEFAULT_TIMEOUT;
        } else if (t instanceof String s) {
            timeout = Durations.parse("approval.timeout", s);
        } else if (t instanceof Number n) {
            timeout = Duration.ofSeconds(n.longValue());
        } else {
            throw new IllegalArgumentException("'approval.timeout' must be a duration such as 120s or 5m");
        }
        return new ApprovalRule(strings(map.get("methods"), "methods"), strings(map.get("paths"), "paths"), timeout);
    }

    private static List<String> strings(@Nullable Object o, String field) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof String s) {
            return List.of(s);
        }
        if (!(o instanceof List<?> list)) {
            throw new IllegalArgumentException("'approval." + field + "' must be a list of strings");
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object e : list) {
            if (!(e instanceof String s)) {
                throw new IllegalArgumentException("'approval." + field + "' must be a list of strings");
            }
            out.add(s);
        }
        return out;
    }
}
