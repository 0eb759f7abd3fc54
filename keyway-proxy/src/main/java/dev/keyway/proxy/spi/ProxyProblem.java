package dev.keyway.proxy.spi;

import dev.keyway.core.error.ErrorType;
import java.util.Map;

/**
 * An error the proxy itself answers with: an RFC 9457 problem document plus the
 * {@code Keyway-Error: <slug>} header. The detail is shown to agents and must never contain a
 * secret value; it should tell the agent what to do next (e.g. how to propose access).
 */
public record ProxyProblem(ErrorType type, String detail, Map<String, Object> extras) {
    public ProxyProblem {
        extras = Map.copyOf(extras);
    }

    public ProxyProblem(ErrorType type, String detail) {
        this(type, detail, Map.of());
    }

    public int status() {
        return type.status();
    }
}
