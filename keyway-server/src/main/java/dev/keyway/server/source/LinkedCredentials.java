package dev.keyway.server.source;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.store.CredentialRecord;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's view of linked credentials: looks a linked credential's value up in
 * {@link LinkedValues} through its source's adapter, phrases failures for the client (source,
 * reference and what failed, never a value) and records each use in the audit log (credential,
 * source, reference, version, whether the value came from the cache).
 */
public final class LinkedCredentials {
    private final SourceService sources;
    private final LinkedValues values;
    private final Consumer<Map<String, Object>> audit;
    private volatile @Nullable OAuthCredentials oauth;

    public LinkedCredentials(SourceService sources, LinkedValues values, Consumer<Map<String, Object>> audit) {
        this.sources = sources;
        this.values = values;
        this.audit = audit;
    }

    public SourceService sources() {
        return sources;
    }

    public LinkedValues values() {
        return values;
    }

    /** Enables OAuth-minted credentials (set once at wiring); they share {@link #values} with linked ones. */
    public void attach(OAuthCredentials o) {
        this.oauth = o;
        o.attach(values);
    }

    public @Nullable OAuthCredentials oauth() {
        return oauth;
    }

    /**
     * The problem type for a credential without a usable value: 502 {@code credential-unavailable}
     * for an OAuth credential marked broken (retrying cannot help: a human must re-authorize),
     * otherwise the retryable 503 {@code credential-source-unavailable}.
     */
    public ErrorType problemType(CredentialRecord c) {
        OAuthCredentials o = oauth;
        return o != null && OAuthCredentials.isOAuth(c) && o.broken(c).isPresent()
                ? ErrorType.CREDENTIAL_UNAVAILABLE : ErrorType.CREDENTIAL_SOURCE_UNAVAILABLE;
    }

    /**
     * The problem type for {@code c} failing with {@code f}: also 502 {@code credential-unavailable}
     * when the store refused this request for good ({@link SourceFailure.Kind#REFUSED}: GitHub's 422
     * for a run's narrowing), since retrying the same request cannot help either.
     */
    public ErrorType problemType(CredentialRecord c, SourceFailure f) {
        return f.kind() == SourceFailure.Kind.REFUSED ? ErrorType.CREDENTIAL_UNAVAILABLE : problemType(c);
    }

    /** Never blocks on the store; see {@link LinkedValues#lookup}. */
    public LinkedValues.Lookup lookup(CredentialRecord c) {
        return lookup(c, null);
    }

    /**
     * Like {@link #lookup(CredentialRecord)}; with a run's {@code narrowing} (only ever given for a
     * GitHub App credential) the installation token minted for that narrowing, cached apart from
     * the unnarrowed one under the same rules (single flight, refresh ahead, backoff), never the
     * wide token.
     */
    public LinkedValues.Lookup lookup(CredentialRecord c, dev.keyway.core.oauth.@Nullable GitHubNarrowing narrowing) {
        CredentialRecord.Link l = link(c);
        if (OAuthCredentials.isOAuth(c)) {
            OAuthCredentials o = oauth;
            if (o == null) {
                return new LinkedValues.Failed(new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "OAuth credentials are not enabled"));
            }
            java.util.Optional<SourceFailure> broken = o.broken(c);
            if (broken.isPresent()) {
                return new LinkedValues.Failed(broken.get()); // never asks the token endpoint again until re-authorized
            }
            return narrowing == null
                    ? values.lookup(OAuthCredentials.key(c), o.minter(c), Duration.ofSeconds(l.ttlSeconds()), Duration.ZERO)
                    : values.lookup(OAuthCredentials.key(c, narrowing), o.minter(c, narrowing), Duration.ofSeconds(l.ttlSeconds()),
                            Duration.ZERO);
        }
        SecretSource s;
        try {
            s = sources.open(l.source());
        } catch (KeywayException e) {
            return new LinkedValues.Failed(new SourceFailure(SourceFailure.Kind.UNAVAILABLE,
                    "the source is not usable: " + e.detail()));
        }
        return values.lookup(new LinkedValues.Key(l.source(), l.ref()), s, Duration.ofSeconds(l.ttlSeconds()),
                Duration.ofSeconds(l.maxStaleSeconds()));
    }

    /**
     * The value for a caller that may block (an API handler, an AWS host-credential lookup): from
     * the cache or a fetch waited for at most {@code wait}; 503 {@code credential-source-unavailable}
     * when the source fails. The caller owns (and wipes) the array.
     */
    public byte[] await(CredentialRecord c, Duration wait) {
        LinkedValues.Lookup l = lookup(c);
        if (l instanceof LinkedValues.Pending pd) {
            try {
                l = pd.result().get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                l = new LinkedValues.Failed(new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "interrupted"));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                l = new LinkedValues.Failed(new SourceFailure(SourceFailure.Kind.UNAVAILABLE,
                        "no answer within " + wait.toSeconds() + " s"));
            }
        }
        return switch (l) {
            case LinkedValues.Hit h -> h.value();
            case LinkedValues.Failed f -> throw new KeywayException(problemType(c, f.failure()), detail(c, f.failure()));
            case LinkedValues.Pending pd -> throw new IllegalStateException("still pending");
        };
    }

    /** The problem detail for a linked credential without a fresh-enough value. */
    public static String detail(CredentialRecord c, SourceFailure f) {
        CredentialRecord.Link l = link(c);
        if (OAuthCredentials.isOAuth(c)) {
            return "credential " + c.name() + " is minted by OAuth and has no valid access token: " + f.describe()
                    + "; nothing was forwarded";
        }
        return "credential " + c.name() + " is linked to source '" + l.source() + "' (ref " + l.ref() + "), which failed: "
                + f.describe() + "; no cached value is fresh enough (max-stale " + l.maxStaleSeconds()
                + " s), so nothing was forwarded. Check it with 'keyway source test " + l.source() + " --ref " + l.ref() + "'";
    }

    /** Records that a request used a linked credential's value (metadata only). */
    public void used(String vault, @Nullable String service, String host, CredentialRecord c, LinkedValues.Hit hit) {
        used(vault, service, host, c, hit, null);
    }

    /** Records that a request used a linked credential's value, minted for a run's GitHub narrowing when not null. */
    public void used(String vault, @Nullable String service, String host, CredentialRecord c, LinkedValues.Hit hit,
            dev.keyway.core.oauth.@Nullable GitHubNarrowing narrowing) {
        CredentialRecord.Link l = link(c);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "linked-credential");
        m.put("time", sources.clock().instant().toString());
        m.put("vault", vault);
        m.put("service", service);
        m.put("host", host);
        m.put("credential", c.name());
        m.put("source", l.source());
        m.put("ref", l.ref());
        m.put("version", hit.version());
        m.put("cached", hit.cached());
        m.put("stale", hit.stale());
        if (narrowing != null) {
            m.put("github_narrowing", narrowing.describe());
        }
        try {
            audit.accept(m);
        } catch (RuntimeException e) {
            // the request's own decision record is durable; this one is best effort
        }
    }

    private static CredentialRecord.Link link(CredentialRecord c) {
        CredentialRecord.Link l = c.link();
        if (l == null) {
            throw new IllegalArgumentException(c.name() + " is not linked");
        }
        return l;
    }
}
