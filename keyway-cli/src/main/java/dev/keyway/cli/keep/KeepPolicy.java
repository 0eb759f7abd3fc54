package dev.keyway.cli.keep;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The keeper's decisions, as pure functions (table-tested in {@code KeepPolicyTest}). */
public final class KeepPolicy {
    private KeepPolicy() {}

    /** Is the token in the file ours, and if not, how it differs. */
    public sealed interface Verdict {
        /** Ours: renew it. */
        record Ours() implements Verdict {}

        /** Not ours: {@code differences} says what was found instead (for the log line). */
        record Foreign(List<String> differences) implements Verdict {}
    }

    /** Why the server refused a token (from its 401 detail). */
    public enum Rejection { EXPIRED, REVOKED, INVALID }

    /**
     * Ours means exactly: a live periodic scoped token with the expected display name, vault, role
     * and period. Anything else is foreign and is never renewed.
     */
    public static Verdict classify(TokenFacts t, Expected e) {
        List<String> d = new ArrayList<>();
        if (!t.type().equals("scoped")) {
            d.add("type " + t.type() + " (not a scoped token)");
        }
        if (!t.displayName().equals(e.displayName())) {
            d.add("display name '" + t.displayName() + "'");
        }
        if (!Objects.equals(t.vault(), e.vault())) {
            d.add("vault " + (t.vault() == null ? "(none)" : "'" + t.vault() + "'"));
        }
        if (!Objects.equals(t.role(), e.role())) {
            d.add("role " + (t.role() == null ? "(none)" : t.role()));
        }
        if (t.period() == null) {
            d.add("not periodic");
        } else if (!t.period().equals(e.period())) {
            d.add("period " + dev.keyway.core.time.Durations.format(t.period()));
        }
        if (t.revoked()) {
            d.add("revoked");
        }
        return d.isEmpty() ? new Verdict.Ours() : new Verdict.Foreign(List.copyOf(d));
    }

    /**
     * The accessors to revoke after a heal: live periodic scoped tokens with the same display name,
     * except the one just minted. Nothing at all when the new token's accessor is unknown (we could
     * not tell it apart from the stale ones), and never a token with another display name.
     */
    public static List<String> staleAccessors(List<TokenFacts> tokens, String displayName, @Nullable String keepAccessor) {
        if (keepAccessor == null || keepAccessor.isBlank()) {
            return List.of();
        }
        return tokens.stream()
                .filter(t -> t.displayName().equals(displayName) && t.type().equals("scoped") && t.period() != null && !t.revoked()
                        && !t.accessor().isBlank() && !t.accessor().equals(keepAccessor))
                .map(TokenFacts::accessor)
                .toList();
    }

    /** Reads the server's 401 detail ({@code token has expired}, {@code token has been revoked}, ...). */
    public static Rejection rejection(String detail) {
        String d = detail.toLowerCase(Locale.ROOT);
        if (d.contains("expired")) {
            return Rejection.EXPIRED;
        }
        return d.contains("revoked") ? Rejection.REVOKED : Rejection.INVALID;
    }
}
