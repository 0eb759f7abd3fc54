package dev.keyway.server.aws;

import dev.keyway.core.error.KeywayException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Per-run down-scoping of an AWS grant ({@code keyway run --aws-session-policy/--aws-session-tag}):
 * an inline session policy and session tags sent with the run's own AssumeRole call, so one run gets
 * narrower permissions than the role. STS takes one inline {@code Policy} per session, so a run policy
 * is only accepted for grants without their own session policy (replacing the grant's would widen it).
 *
 * @param policy compact policy JSON, or null (the grant's own policy, if any, applies)
 * @param tags session tags (key → value), sorted by key
 */
public record RunScope(@Nullable String policy, Map<String, String> tags) {
    private static final Pattern TAG = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    private static final int MAX_TAGS = 50;

    public RunScope {
        tags = java.util.Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** Validates the request's scope; null when neither a policy nor tags were given. */
    public static @Nullable RunScope of(@Nullable String policy, @Nullable Map<String, String> tags) {
        String p = policy == null || policy.isBlank() ? null : AwsGrants.policy(policy);
        Map<String, String> t = tags == null ? Map.of() : tags;
        if (p == null && t.isEmpty()) {
            return null;
        }
        if (t.size() > MAX_TAGS) {
            throw KeywayException.validation("session_tags", "at most " + MAX_TAGS + " session tags are allowed, got " + t.size());
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Map.Entry<String, String> e : t.entrySet()) {
            String k = e.getKey();
            String v = e.getValue() == null ? "" : e.getValue();
            if (k.isEmpty() || k.length() > 128 || !TAG.matcher(k).matches() || v.length() > 256 || !TAG.matcher(v).matches()) {
                throw KeywayException.validation("session_tags", "session tag keys are 1-128 and values 0-256 characters of "
                        + "letters, digits, spaces and _ . : / = + - @");
            }
            if (!seen.add(k.toLowerCase(Locale.ROOT))) {
                throw KeywayException.validation("session_tags", "session tag keys are case-insensitive and must be unique");
            }
        }
        return new RunScope(p, t);
    }

    /**
     * The scope as stored with a run's token ({@code aws_run_scopes}): tags as a JSON object. Not
     * re-validated (it was when stored); null when empty.
     */
    public static @Nullable RunScope fromStored(@Nullable String policy, @Nullable String tagsJson) {
        Map<String, String> tags = new TreeMap<>();
        if (tagsJson != null && !tagsJson.isBlank()) {
            tools.jackson.databind.JsonNode n = dev.keyway.server.http.Json.MAPPER.readTree(tagsJson);
            n.properties().forEach(e -> tags.put(e.getKey(), e.getValue().asString()));
        }
        return policy == null && tags.isEmpty() ? null : new RunScope(policy, tags);
    }

    /** The tags as a JSON object for storage, or null for none. */
    public @Nullable String tagsJson() {
        return tags.isEmpty() ? null : new String(dev.keyway.server.http.Json.write(tags), StandardCharsets.UTF_8);
    }

    /** SHA-256 (hex) of the policy and tags: the cache key suffix and what the audit records. */
    public String hash() {
        StringBuilder b = new StringBuilder(String.valueOf(policy)).append('\u0000');
        tags.forEach((k, v) -> b.append(k).append('\u0001').append(v).append('\u0000'));
        return sha256(b.toString());
    }

    /** SHA-256 (hex) of the policy, or null. */
    public @Nullable String policyHash() {
        return policy == null ? null : sha256(policy);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
