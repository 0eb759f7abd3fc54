package dev.keyway.core.oauth;

import dev.keyway.core.error.KeywayException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A per-run narrowing of a GitHub App's installation tokens ({@code keyway run --github-repos
 * --github-permissions}): the repositories and permissions sent with {@code POST
 * /app/installations/{id}/access_tokens} (GitHub REST docs, "Create an installation access token
 * for an app"), so one run's token reaches fewer repositories with fewer permissions than the
 * installation. Immutable and validated on construction; pure functions for the request body and
 * the check that GitHub's answer does not exceed it.
 *
 * <p>Repositories are given as {@code owner/name} or {@code name}; GitHub's body takes names only
 * ({@code repositories}), so the owner, when given, is checked against each returned repository's
 * {@code full_name}: a token for {@code other/name} is refused, never used.
 *
 * @param repositories sorted, unique, at most {@value #MAX_REPOSITORIES}; empty for the installation's
 * @param permissions permission → {@code read}, {@code write} or {@code admin}, sorted; empty for the installation's
 */
public record GitHubNarrowing(List<String> repositories, Map<String, String> permissions) {
    public static final int MAX_REPOSITORIES = 500; // GitHub's documented limit
    private static final Pattern OWNER = Pattern.compile("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$");
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9._-]{1,100}$");
    private static final Pattern PERMISSION = Pattern.compile("^[a-z][a-z_]{0,63}$");
    /** Access levels from the least to the most. */
    private static final List<String> LEVELS = List.of("read", "write", "admin");
    /**
     * GitHub grants {@code metadata: read} to every token with repository access ("Metadata" is
     * mandatory and read-only), so an answer may list it even when it was not asked for.
     */
    private static final Map<String, String> IMPLIED = Map.of("metadata", "read");

    public GitHubNarrowing {
        repositories = List.copyOf(new TreeSet<>(repositories));
        permissions = Collections.unmodifiableMap(new TreeMap<>(permissions));
    }

    /**
     * Validates a narrowing; null when neither repositories nor permissions were given. 400
     * {@code validation} names the bad entry.
     *
     * @param permissions {@code permission:level} entries, e.g. {@code contents:read}
     */
    public static @Nullable GitHubNarrowing of(@Nullable List<String> repositories, @Nullable Map<String, String> permissions) {
        List<String> repos = repositories == null ? List.of() : repositories;
        Map<String, String> perms = permissions == null ? Map.of() : permissions;
        if (repos.isEmpty() && perms.isEmpty()) {
            return null;
        }
        if (repos.size() > MAX_REPOSITORIES) {
            throw KeywayException.validation("repositories", "at most " + MAX_REPOSITORIES + " repositories (GitHub's limit), got "
                    + repos.size());
        }
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String r : repos) {
            if (!validRepository(r)) {
                throw KeywayException.validation("repositories", "repository '" + printable(r) + "' is not OWNER/NAME or NAME "
                        + "(letters, digits, '.', '_' and '-')");
            }
            if (!names.add(name(r))) {
                throw KeywayException.validation("repositories", "repository name '" + name(r) + "' is given twice; GitHub "
                        + "narrows by name within the installation's account");
            }
        }
        for (Map.Entry<String, String> e : perms.entrySet()) {
            if (!PERMISSION.matcher(e.getKey()).matches()) {
                throw KeywayException.validation("permissions", "permission '" + printable(e.getKey()) + "' is not a GitHub App "
                        + "permission name (lower case and '_', e.g. contents, issues, pull_requests)");
            }
            if (!LEVELS.contains(e.getValue())) {
                throw KeywayException.validation("permissions", "permission " + e.getKey() + " must be read, write or admin, not '"
                        + printable(String.valueOf(e.getValue())) + "'");
            }
        }
        return new GitHubNarrowing(repos, perms);
    }

    /** Parses {@code permission:level} entries (the CLI's {@code --github-permissions contents:read,issues:write}). */
    public static Map<String, String> permissions(List<String> entries) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : entries) {
            int colon = e.indexOf(':');
            if (colon <= 0 || colon == e.length() - 1) {
                throw KeywayException.validation("permissions", "'" + printable(e) + "' is not PERMISSION:LEVEL, e.g. contents:read");
            }
            if (m.put(e.substring(0, colon), e.substring(colon + 1)) != null) {
                throw KeywayException.validation("permissions", "permission " + printable(e.substring(0, colon)) + " is given twice");
            }
        }
        return m;
    }

    /** The JSON body of the access-token request: {@code repositories} (names) and/or {@code permissions}. */
    public byte[] body() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!repositories.isEmpty()) {
            m.put("repositories", repositories.stream().map(GitHubNarrowing::name).toList());
        }
        if (!permissions.isEmpty()) {
            m.put("permissions", permissions);
        }
        return TokenOutcome.JSON.writeValueAsBytes(m);
    }

    /**
     * What in GitHub's 201 answer exceeds this narrowing, or empty when it does not: a repository not
     * asked for (or of another owner than given), a missing {@code repositories} list or a
     * {@code repository_selection} of {@code all} when repositories were asked for, a permission not
     * asked for or at a higher level (other than the implied {@code metadata: read}), a missing
     * {@code permissions} object when permissions were asked for.
     */
    public Optional<String> exceededBy(@Nullable JsonNode answer) {
        if (answer == null) {
            return Optional.of("the answer is not a JSON object");
        }
        if (!repositories.isEmpty()) {
            if (answer.get("repository_selection") instanceof JsonNode sel && sel.isString() && !sel.asString().equals("selected")) {
                return Optional.of("repository_selection is '" + printable(sel.asString()) + "', not 'selected'");
            }
            if (!(answer.get("repositories") instanceof JsonNode list) || !list.isArray()) {
                return Optional.of("the answer does not list the token's repositories");
            }
            Map<String, String> wanted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            repositories.forEach(r -> wanted.put(name(r), r));
            for (JsonNode repo : list) {
                String name = repo.path("name").asString("");
                String full = repo.path("full_name").asString("");
                String asked = wanted.get(name);
                if (asked == null) {
                    return Optional.of("repository '" + printable(full.isEmpty() ? name : full) + "' was not asked for");
                }
                if (asked.contains("/") && !asked.equalsIgnoreCase(full)) {
                    return Optional.of("repository '" + printable(full) + "' is not " + asked);
                }
            }
        }
        if (!permissions.isEmpty()) {
            if (!(answer.get("permissions") instanceof JsonNode granted) || !granted.isObject()) {
                return Optional.of("the answer does not list the token's permissions");
            }
            for (Map.Entry<String, JsonNode> e : granted.properties()) {
                String level = e.getValue().asString("");
                String asked = permissions.getOrDefault(e.getKey(), IMPLIED.get(e.getKey()));
                if (asked == null) {
                    return Optional.of("permission " + printable(e.getKey()) + ":" + printable(level) + " was not asked for");
                }
                if (LEVELS.indexOf(level) < 0 || LEVELS.indexOf(level) > LEVELS.indexOf(asked)) {
                    return Optional.of("permission " + printable(e.getKey()) + ":" + printable(level) + " exceeds " + e.getKey()
                            + ":" + asked);
                }
            }
        }
        return Optional.empty();
    }

    /** The repositories as a JSON array for storage, or null for none. */
    public @Nullable String repositoriesJson() {
        return repositories.isEmpty() ? null : TokenOutcome.JSON.writeValueAsString(repositories);
    }

    /** The permissions as a JSON object for storage, or null for none. */
    public @Nullable String permissionsJson() {
        return permissions.isEmpty() ? null : TokenOutcome.JSON.writeValueAsString(permissions);
    }

    /** The narrowing as stored with a run's token; not re-validated (it was when stored); null when empty. */
    public static @Nullable GitHubNarrowing fromStored(@Nullable String repositoriesJson, @Nullable String permissionsJson) {
        List<String> repos = new ArrayList<>();
        if (repositoriesJson != null && !repositoriesJson.isBlank()) {
            TokenOutcome.JSON.readTree(repositoriesJson).forEach(n -> repos.add(n.asString()));
        }
        Map<String, String> perms = new TreeMap<>();
        if (permissionsJson != null && !permissionsJson.isBlank()) {
            TokenOutcome.JSON.readTree(permissionsJson).properties().forEach(e -> perms.put(e.getKey(), e.getValue().asString()));
        }
        return repos.isEmpty() && perms.isEmpty() ? null : new GitHubNarrowing(repos, perms);
    }

    /** For problem details, audit and logs: {@code repositories [o/a, b] permissions {contents=read}}. */
    public String describe() {
        return (repositories.isEmpty() ? "" : "repositories " + repositories)
                + (!repositories.isEmpty() && !permissions.isEmpty() ? " " : "")
                + (permissions.isEmpty() ? "" : "permissions " + permissions);
    }

    /** SHA-256 (hex) of the narrowing: the cache key suffix, so each narrowing has its own token. */
    public String hash() {
        StringBuilder b = new StringBuilder();
        repositories.forEach(r -> b.append(r).append('\u0000'));
        b.append('\u0001');
        permissions.forEach((k, v) -> b.append(k).append('\u0002').append(v).append('\u0000'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean validRepository(@Nullable String r) {
        if (r == null) {
            return false;
        }
        int slash = r.indexOf('/');
        if (slash < 0) {
            return NAME.matcher(r).matches() && !r.equals(".") && !r.equals("..");
        }
        String owner = r.substring(0, slash);
        String name = r.substring(slash + 1);
        return OWNER.matcher(owner).matches() && NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** The repository's name without its owner. */
    private static String name(String r) {
        return r.substring(r.indexOf('/') + 1);
    }

    private static String printable(String s) {
        return TokenOutcome.printable(s);
    }
}
