package dev.keyway.cli.keep;

import dev.keyway.core.time.Durations;
import java.time.Duration;

/** The token the machine should hold: a periodic proxy token with this display name, vault, role and period. */
public record Expected(String displayName, String vault, String role, Duration period) {
    public String periodText() {
        return Durations.format(period);
    }
}
