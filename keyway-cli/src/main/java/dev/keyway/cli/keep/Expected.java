package dev.keyway.cli.keep;

import dev.keyway.core.time.Durations;
import java.time.Duration;

/** The token the machine should hold: a periodic proxy token with this display name, vault, role and period. */
public record Expected(String displayName, String vault, String role, Duration period) {
    /** The drift guard's expectation: a periodic {@code scoped} token with this name, vault, role and period. */
    public dev.keyway.core.keep.TokenExpectation expectation() {
        java.util.LinkedHashMap<String, String> scope = new java.util.LinkedHashMap<>();
        scope.put("vault", vault);
        scope.put("role", role);
        return new dev.keyway.core.keep.TokenExpectation("scoped", displayName, scope, period);
    }

    public String periodText() {
        return Durations.format(period);
    }
}
