package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The compiled services of one vault: answers "do we intercept this CONNECT?" and "which service
 * governs this request, and does it allow it?". Built once per configuration change ({@link
 * #compile}), immutable and thread-safe; a lookup does no parsing and allocates little (two hash
 * lookups and the result).
 *
 * <h2>Which service wins</h2>
 *
 * <p>The candidates are the services whose host pattern matches the request's host and port
 * (host compared case-insensitively, one trailing dot ignored; {@code *.example.com} matches one
 * extra label only; a pattern without a port matches every port). Candidates are ordered by:
 *
 * <ol>
 *   <li>an exact host before a wildcard;
 *   <li>a pattern with a port before one without;
 *   <li>the longer literal path prefix of the glob that matched (the characters before its first
 *       {@code *}; a service without globs has prefix length 0);
 *   <li>declaration order.
 * </ol>
 *
 * <p>The first <em>enabled</em> candidate whose methods and paths allow the request wins with
 * {@link MatchOutcome#ALLOWED}. Disabled services never allow anything, so a broader enabled service
 * can still cover a request that a disabled specific one would have matched. When no candidate
 * allows the request, the result is a denial carrying the most informative candidate, chosen by
 * outcome first and the order above second:
 *
 * <ol>
 *   <li>{@link MatchOutcome#DISABLED}: a disabled service whose methods and paths would allow it;
 *   <li>{@link MatchOutcome#METHOD_NOT_ALLOWED}: an enabled service whose paths match but methods
 *       do not;
 *   <li>{@link MatchOutcome#PATH_NOT_ALLOWED}: an enabled service whose paths do not match;
 *   <li>{@link MatchOutcome#DISABLED}: any other disabled service.
 * </ol>
 *
 * <p>Without candidates {@link #match} is empty: the host belongs to no service.
 */
public final class VaultMatcher {
    private static final VaultMatcher EMPTY = new VaultMatcher(List.of(), Map.of(), Map.of());

    private final List<ServiceDefinition> services;
    private final Map<String, Entry[]> exact;
    private final Map<String, Entry[]> wildcard;

    private VaultMatcher(
            List<ServiceDefinition> services, Map<String, Entry[]> exact, Map<String, Entry[]> wildcard) {
        this.services = services;
        this.exact = exact;
        this.wildcard = wildcard;
    }

    /** A matcher with no services. */
    public static VaultMatcher empty() {
        return EMPTY;
    }

    /**
     * Compiles services, in declaration order. The definitions must have passed {@link
     * ServiceValidator#validateVault}; an unparsable host or glob throws IllegalArgumentException.
     */
    public static VaultMatcher compile(List<ServiceDefinition> servicesInDeclarationOrder) {
        Map<String, List<Entry>> exact = new HashMap<>();
        Map<String, List<Entry>> wildcard = new HashMap<>();
        int index = 0;
        for (ServiceDefinition s : servicesInDeclarationOrder) {
            HostPattern host = HostPattern.parse(s.host());
            PathGlob[] globs = s.paths().stream().map(PathGlob::compile).toArray(PathGlob[]::new);
            Entry e = new Entry(index++, s, host, globs, Set.copyOf(s.methods()));
            (host.wildcard() ? wildcard : exact)
                    .computeIfAbsent(host.host(), k -> new ArrayList<>())
                    .add(e);
        }
        return new VaultMatcher(List.copyOf(servicesInDeclarationOrder), freeze(exact), freeze(wildcard));
    }

    private static Map<String, Entry[]> freeze(Map<String, List<Entry>> map) {
        Map<String, Entry[]> out = new HashMap<>();
        map.forEach((k, v) -> out.put(k, v.toArray(Entry[]::new)));
        return Map.copyOf(out);
    }

    /** The services, in declaration order. */
    public List<ServiceDefinition> services() {
        return services;
    }

    /**
     * Whether any service, enabled or disabled, covers this host and port: the CONNECT-time
     * intercept decision. Disabled services count so that their requests are answered 403
     * {@code service-disabled} with an explanation instead of being tunnelled or denied as an
     * unknown host.
     */
    public boolean hasServiceFor(String host, int port) {
        String h = HostPattern.normalizeHost(host);
        if (h == null) {
            return false;
        }
        return anyPortMatch(exact.get(h), port) || anyPortMatch(wildcardCandidates(h), port);
    }

    /**
     * Finds the service governing a request (see the type's Javadoc for the rules).
     *
     * @param host the target host (from CONNECT or the absolute URL, never the Host header)
     * @param port the target port
     * @param method the request method, upper case
     * @param path the request path; a query string, if present, is ignored
     */
    public Optional<Match> match(String host, int port, String method, String path) {
        String h = HostPattern.normalizeHost(host);
        if (h == null) {
            return Optional.empty();
        }
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        boolean matchable = PathGlob.isMatchablePath(p);
        Best best = new Best();
        consider(exact.get(h), port, method, p, matchable, best);
        consider(wildcardCandidates(h), port, method, p, matchable, best);
        Entry winner = best.allowed != null ? best.allowed : best.denied;
        if (winner == null) {
            return Optional.empty();
        }
        MatchOutcome outcome = best.allowed != null ? MatchOutcome.ALLOWED : best.deniedOutcome;
        return Optional.of(new Match(winner.service, outcome));
    }

    private Entry @Nullable [] wildcardCandidates(String normalizedHost) {
        int dot = normalizedHost.indexOf('.');
        if (dot <= 0 || wildcard.isEmpty()) {
            return null;
        }
        return wildcard.get(normalizedHost.substring(dot + 1));
    }

    private static boolean anyPortMatch(Entry @Nullable [] entries, int port) {
        if (entries != null) {
            for (Entry e : entries) {
                if (e.portMatches(port)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void consider(
            Entry @Nullable [] entries, int port, String method, String path, boolean matchable, Best best) {
        if (entries == null) {
            return;
        }
        for (Entry e : entries) {
            if (!e.portMatches(port)) {
                continue;
            }
            int prefix = e.pathPrefix(path, matchable);
            boolean pathOk = prefix >= 0;
            boolean methodOk = e.methods.isEmpty() || e.methods.contains(method);
            if (e.service.enabled() && pathOk && methodOk) {
                if (best.allowed == null || better(e, prefix, best.allowed, best.allowedPrefix)) {
                    best.allowed = e;
                    best.allowedPrefix = prefix;
                }
                continue;
            }
            int rank;
            MatchOutcome outcome;
            if (!e.service.enabled()) {
                rank = pathOk && methodOk ? 1 : 4;
                outcome = MatchOutcome.DISABLED;
            } else if (pathOk) {
                rank = 2;
                outcome = MatchOutcome.METHOD_NOT_ALLOWED;
            } else {
                rank = 3;
                outcome = MatchOutcome.PATH_NOT_ALLOWED;
            }
            int rankPrefix = Math.max(prefix, 0);
            if (best.denied == null
                    || rank < best.deniedRank
                    || (rank == best.deniedRank && better(e, rankPrefix, best.denied, best.deniedPrefix))) {
                best.denied = e;
                best.deniedRank = rank;
                best.deniedPrefix = rankPrefix;
                best.deniedOutcome = outcome;
            }
        }
    }

    /** Whether candidate {@code a} (with matched prefix length {@code pa}) outranks {@code b}. */
    private static boolean better(Entry a, int pa, Entry b, int pb) {
        if (a.host.wildcard() != b.host.wildcard()) {
            return !a.host.wildcard();
        }
        if (a.host.hasPort() != b.host.hasPort()) {
            return a.host.hasPort();
        }
        if (pa != pb) {
            return pa > pb;
        }
        return a.index < b.index;
    }

    /** Mutable scratch for one lookup. */
    private static final class Best {
        @Nullable Entry allowed;
        int allowedPrefix;
        @Nullable Entry denied;
        int deniedRank;
        int deniedPrefix;
        MatchOutcome deniedOutcome = MatchOutcome.PATH_NOT_ALLOWED;
    }

    private record Entry(int index, ServiceDefinition service, HostPattern host, PathGlob[] globs, Set<String> methods) {
        boolean portMatches(int port) {
            return !host.hasPort() || host.port() == port;
        }

        /** The longest literal prefix among matching globs; 0 without globs; -1 when none matches. */
        int pathPrefix(String path, boolean matchable) {
            if (globs.length == 0) {
                return 0;
            }
            if (!matchable) {
                return -1;
            }
            int best = -1;
            for (PathGlob g : globs) {
                if (g.literalPrefixLength() > best && g.matchesMatchable(path)) {
                    best = g.literalPrefixLength();
                }
            }
            return best;
        }
    }
}
