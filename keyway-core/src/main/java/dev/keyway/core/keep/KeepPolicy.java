package dev.keyway.core.keep;

import dev.keyway.core.time.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The token keeper's decisions, as pure functions (table-tested in {@code KeepPolicyTest}).
 *
 * <p>Why shared: a keeper that renews whatever token it finds in its file ends up keeping a
 * human's admin token alive for a machine (someone ran {@code vault login} or {@code keyway login}
 * over it). Both keepers ({@code keyway token keep} and the Vault source's token file) must apply
 * the same rules: renew only a token that is exactly ours; replace a foreign one by minting ours
 * with the foreign token's own authority (the store decides whether it may), accept the new token
 * only if it is exactly what was asked for, and then revoke only the stale tokens the keeper itself
 * minted.
 */
public final class KeepPolicy {
    private KeepPolicy() {}

    /** Is the token ours, and if not, how it differs. */
    public sealed interface Verdict {
        /** Ours: renew it. */
        record Ours() implements Verdict {}

        /** Not ours: {@code differences} says what was found instead (for the log line). Never renewed. */
        record Foreign(List<String> differences) implements Verdict {}
    }

    /** What to do with the token found in the file. */
    public enum Action {
        /** It is ours: renew it when due. */
        RENEW,
        /** It is foreign: mint ours with its authority, check, replace the file, sweep. */
        HEAL
    }

    /** Why the store refused a token (from its error detail). */
    public enum Rejection { EXPIRED, REVOKED, INVALID }

    /** Ours means exactly matching every stated field of {@code e}, and not revoked. */
    public static Verdict classify(TokenIdentity t, TokenExpectation e) {
        List<String> d = new ArrayList<>();
        if (!t.type().equals(e.type())) {
            d.add("type " + t.type() + " (not a " + e.type() + " token)");
        }
        if (e.displayName() != null && !t.displayName().equals(e.displayName())) {
            d.add("display name '" + t.displayName() + "'");
        }
        for (Map.Entry<String, String> s : e.scope().entrySet()) {
            String found = t.scope().get(s.getKey());
            if (!Objects.equals(found, s.getValue())) {
                d.add(s.getKey() + " " + (found == null ? "(none)" : "'" + found + "'"));
            }
        }
        if (e.period() != null) {
            if (t.period() == null) {
                d.add("not periodic");
            } else if (!t.period().equals(e.period())) {
                d.add("period " + Durations.format(t.period()));
            }
        }
        if (t.revoked()) {
            d.add("revoked");
        }
        return d.isEmpty() ? new Verdict.Ours() : new Verdict.Foreign(List.copyOf(d));
    }

    /** The drift guard: renew only our own token, heal a foreign one. */
    public static Action action(Verdict v) {
        return v instanceof Verdict.Ours ? Action.RENEW : Action.HEAL;
    }

    /**
     * The sanity check after a mint: the new token is used only if it is exactly ours under
     * {@code minted} (the expectation with the keeper's display name and the period asked for);
     * otherwise it is revoked and the file left untouched.
     */
    public static boolean acceptMinted(TokenIdentity t, TokenExpectation minted) {
        return classify(t, minted) instanceof Verdict.Ours;
    }

    /**
     * The accessors to revoke after a heal: live periodic tokens of our type with the keeper's
     * display name, except the one just minted. Nothing at all when the new token's accessor (or the
     * keeper's display name) is unknown: we could not tell the new token from the stale ones. Never a
     * token with another display name: the keeper revokes only what it minted.
     */
    public static List<String> staleAccessors(List<TokenIdentity> tokens, TokenExpectation e, @Nullable String keepAccessor) {
        String name = e.displayName();
        if (keepAccessor == null || keepAccessor.isBlank() || name == null) {
            return List.of();
        }
        return tokens.stream()
                .filter(t -> t.displayName().equals(name) && t.type().equals(e.type()) && t.period() != null && !t.revoked()
                        && !t.accessor().isBlank() && !t.accessor().equals(keepAccessor))
                .map(TokenIdentity::accessor)
                .distinct()
                .toList();
    }

    /** Reads a store's refusal detail ({@code token has expired}, {@code token has been revoked}, ...). */
    public static Rejection rejection(String detail) {
        String d = detail.toLowerCase(Locale.ROOT);
        if (d.contains("expired")) {
            return Rejection.EXPIRED;
        }
        return d.contains("revoked") ? Rejection.REVOKED : Rejection.INVALID;
    }
}
