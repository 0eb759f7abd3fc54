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
            Verdict v = verdict(e, method, path, matchable);
            if (v.outcome() == MatchOutcome.ALLOWED) {
                if (best.allowed == null || better(e, v.prefix(), best.allowed, best.allowedPrefix)) {
                    best.allowed = e;
                    best.allowedPrefix = v.prefix();
                }
                continue;
            }
            int rankPrefix = Math.max(v.prefix(), 0);
            if (best.denied == null
                    || v.rank() < best.deniedRank
                    || (v.rank() == best.deniedRank && better(e, rankPrefix, best.denied, best.deniedPrefix))) {
                best.denied = e;
                best.deniedRank = v.rank();
                best.deniedPrefix = rankPrefix;
                best.deniedOutcome = v.outcome();
            }
        }
    }

    /**
     * What one candidate says about a request: its outcome, the matched literal path prefix (-1
     * when no glob matches) and, for a denial, its rank among denials (1 is the most informative).
     * The one place that decides a candidate's verdict, for {@link #match} and {@link #candidates}.
     */
    private record Verdict(MatchOutcome outcome, int prefix, int rank, boolean methodOk, boolean pathOk) {}

    private static Verdict verdict(Entry e, String method, String path, boolean matchable) {
        int prefix = e.pathPrefix(path, matchable);
        boolean pathOk = prefix >= 0;
        boolean methodOk = e.methods.isEmpty() || e.methods.contains(method);
        if (e.service.enabled() && pathOk && methodOk) {
            return new Verdict(MatchOutcome.ALLOWED, prefix, 0, true, true);
        }
        if (!e.service.enabled()) {
            return new Verdict(MatchOutcome.DISABLED, prefix, pathOk && methodOk ? 1 : 4, methodOk, pathOk);
        }
        return pathOk
                ? new Verdict(MatchOutcome.METHOD_NOT_ALLOWED, prefix, 2, false, true)
                : new Verdict(MatchOutcome.PATH_NOT_ALLOWED, prefix, 3, methodOk, false);
    }

    /**
     * One service considered for a request, for explaining a decision ({@code keyway explain}).
     *
     * @param service the service
     * @param exactHost whether its host pattern is exact (not a wildcard)
     * @param hostHasPort whether its pattern names a port
     * @param pathPrefix the literal prefix length of the longest matching glob; 0 without globs; -1 when none matches
     * @param declarationIndex its position in the vault's declaration order
     * @param methodAllowed whether its methods allow the request's method
     * @param pathAllowed whether its paths allow the request's path
     * @param outcome its verdict on the request
     */
    public record Candidate(ServiceDefinition service, boolean exactHost, boolean hostHasPort, int pathPrefix,
            int declarationIndex, boolean methodAllowed, boolean pathAllowed, MatchOutcome outcome) {}

    /**
     * Every service whose host pattern matches the request, in the order {@link #match} ranks them:
     * candidates that allow the request first (by the priority rules), then denials from the most
     * to the least informative. The first one is the service {@link #match} returns. Same rules,
     * same code: a candidate's verdict and the order come from what {@link #match} uses.
     */
    public List<Candidate> candidates(String host, int port, String method, String path) {
        String h = HostPattern.normalizeHost(host);
        if (h == null) {
            return List.of();
        }
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        boolean matchable = PathGlob.isMatchablePath(p);
        List<Entry> entries = new ArrayList<>();
        List<Verdict> verdicts = new ArrayList<>();
        for (Entry @Nullable [] group : java.util.Arrays.asList(exact.get(h), wildcardCandidates(h))) {
            if (group == null) {
                continue;
            }
            for (Entry e : group) {
                if (e.portMatches(port)) {
                    entries.add(e);
                    verdicts.add(verdict(e, method, p, matchable));
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            order.add(i);
        }
        order.sort((i, j) -> {
            Verdict a = verdicts.get(i);
            Verdict b = verdicts.get(j);
            if (a.rank() != b.rank()) {
                return Integer.compare(a.rank(), b.rank());
            }
            int pa = a.rank() == 0 ? a.prefix() : Math.max(a.prefix(), 0);
            int pb = b.rank() == 0 ? b.prefix() : Math.max(b.prefix(), 0);
            return better(entries.get(i), pa, entries.get(j), pb) ? -1 : better(entries.get(j), pb, entries.get(i), pa) ? 1 : 0;
        });
        List<Candidate> out = new ArrayList<>(order.size());
        for (int i : order) {
            Entry e = entries.get(i);
            Verdict v = verdicts.get(i);
            out.add(new Candidate(e.service, !e.host.wildcard(), e.host.hasPort(), v.prefix(), e.index, v.methodOk(),
                    v.pathOk(), v.outcome()));
        }
        return List.copyOf(out);
    }

    /**
     * The priority rule that put {@code winner} before {@code other} (both from one {@link
     * #candidates} list, winner first), as a sentence for humans.
     */
    public static String decidingRule(Candidate winner, Candidate other) {
        boolean wAllows = winner.outcome() == MatchOutcome.ALLOWED;
        if (wAllows && other.outcome() != MatchOutcome.ALLOWED) {
            return "only '" + winner.service().name() + "' allows this request ('" + other.service().name() + "': "
                    + other.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")";
        }
        if (!wAllows && winner.outcome() != other.outcome()) {
            return "no candidate allows the request; '" + winner.service().name() + "' gives the most informative denial ("
                    + winner.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")";
        }
        if (winner.exactHost() != other.exactHost()) {
            return "an exact host ('" + winner.service().host() + "') before a wildcard ('" + other.service().host() + "')";
        }
        if (winner.hostHasPort() != other.hostHasPort()) {
            return "a host pattern with a port ('" + winner.service().host() + "') before one without ('"
                    + other.service().host() + "')";
        }
        int pw = Math.max(winner.pathPrefix(), 0);
        int po = Math.max(other.pathPrefix(), 0);
        if (pw != po) {
            return "the longer literal path prefix (" + pw + " characters for '" + winner.service().name() + "', " + po
                    + " for '" + other.service().name() + "')";
        }
        return "declaration order ('" + winner.service().name() + "' is declared before '" + other.service().name() + "')";
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
