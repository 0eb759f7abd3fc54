package dev.keyway.core.service;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.keyway.core.approval.ApprovalRule;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A service: which upstream requests Keyway intercepts for a vault, which of them it lets through,
 * and which credential it puts on them. One entry of {@code services.yaml}; this record is also the
 * JSON/YAML wire format:
 *
 * <pre>{@code
 * - name: github                       # slug, unique in the vault
 *   host: api.github.com               # exact host, or *.example.com (one label); optional :port
 *   methods: [GET, POST]               # optional; omitted or [] = any method; a single GET is fine
 *   paths: ["/repos/**"]               # optional; omitted or [] = any path (see PathGlob)
 *   enabled: true                      # optional, default true
 *   allow_private: false               # optional, default false: IPs and internal names need true
 *   allow_plaintext: false             # optional, default false: inject over plain http:// too
 *   redact_responses: true             # optional, default true: replace echoed credentials in responses
 *   description: GitHub REST API       # optional
 *   inject: { header: { Authorization: "token {GITHUB_TOKEN}" } }   # required; see Injection
 *   approval: { methods: [POST], timeout: 120s }   # optional: hold matching requests for a human (ApprovalRule)
 * }</pre>
 *
 * Unknown members are rejected by the creator itself (an any-setter that throws), whatever the
 * mapper's {@code FAIL_ON_UNKNOWN_PROPERTIES} says: Jackson 3 turned that feature off by default. Constructing a definition checks only that required members are present;
 * {@link ServiceValidator} enforces every other rule and must run before a definition is used.
 *
 * @param name service name ({@link Names#SERVICE_NAME})
 * @param host host pattern ({@link HostPattern})
 * @param paths path globs ({@link PathGlob}); empty means any path
 * @param methods upper-case HTTP methods; empty means any method
 * @param enabled a disabled service still intercepts its host but every request is answered 403
 *     {@code service-disabled}
 * @param allowPrivate permit IP literals and internal host names (localhost, *.internal, ...)
 * @param allowPlaintext inject into plain {@code http://} requests too. By default a credential is
 *     only ever sent over TLS: a service without a port also matches {@code http://host:80}, and a
 *     plaintext upstream (or anyone on the path) would read the real key. Only a private or
 *     loopback host may set it ({@link PlaintextRule#eligible})
 * @param redactResponses scan the responses to requests that received a credential for the values
 *     injected and replace each echo (on by default: an upstream that echoes the credential, a debug
 *     endpoint or an error quoting the header, would otherwise hand the agent the real secret).
 *     Written to YAML/JSON only when off
 * @param description free text for humans
 * @param injection how the credential is applied
 * @param approval which requests a human must approve before they are forwarded, or null for none
 */
@JsonPropertyOrder({"name", "host", "methods", "paths", "enabled", "allow_private", "allow_plaintext",
        "redact_responses", "description", "inject", "approval"})
public record ServiceDefinition(
        String name,
        String host,
        List<String> paths,
        List<String> methods,
        boolean enabled,
        @JsonProperty("allow_private") boolean allowPrivate,
        @JsonProperty("allow_plaintext") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean allowPlaintext,
        @JsonProperty("redact_responses")
                @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = OmitWhenTrue.class) boolean redactResponses,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String description,
        @JsonProperty("inject") Injection injection,
        @JsonProperty("approval") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable ApprovalRule approval) {

    public ServiceDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(injection, "injection");
        paths = List.copyOf(paths);
        methods = List.copyOf(methods);
    }

    /** A service that redacts echoed credentials from responses (the default) and needs no approval. */
    public ServiceDefinition(String name, String host, List<String> paths, List<String> methods, boolean enabled,
            boolean allowPrivate, boolean allowPlaintext, @Nullable String description, Injection injection) {
        this(name, host, paths, methods, enabled, allowPrivate, allowPlaintext, true, description, injection, null);
    }

    /** A service without an approval rule. */
    public ServiceDefinition(String name, String host, List<String> paths, List<String> methods, boolean enabled,
            boolean allowPrivate, boolean allowPlaintext, boolean redactResponses, @Nullable String description,
            Injection injection) {
        this(name, host, paths, methods, enabled, allowPrivate, allowPlaintext, redactResponses, description, injection, null);
    }

    /** A service that redacts echoed credentials (the default), with an approval rule. */
    public ServiceDefinition(String name, String host, List<String> paths, List<String> methods, boolean enabled,
            boolean allowPrivate, boolean allowPlaintext, @Nullable String description, Injection injection,
            @Nullable ApprovalRule approval) {
        this(name, host, paths, methods, enabled, allowPrivate, allowPlaintext, true, description, injection, approval);
    }

    /** Leaves {@code redact_responses} out when it is on (the default): a filter excludes values it equals. */
    static final class OmitWhenTrue {
        @Override
        public boolean equals(@Nullable Object value) {
            return Boolean.TRUE.equals(value);
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    /** A service that injects over TLS only (the default). */
    public ServiceDefinition(String name, String host, List<String> paths, List<String> methods, boolean enabled,
            boolean allowPrivate, @Nullable String description, Injection injection) {
        this(name, host, paths, methods, enabled, allowPrivate, false, description, injection, null);
    }

    /** An enabled, public-only service for any method and path. */
    public static ServiceDefinition of(String name, String host, Injection injection) {
        return new ServiceDefinition(name, host, List.of(), List.of(), true, false, null, injection);
    }

    /**
     * The JSON/YAML creator: applies defaults and reports missing and unknown members by name. Shape
     * errors surface as IllegalArgumentException (Jackson adds line and column).
     */
    @JsonCreator
    static ServiceDefinition fromJson(
            @JsonProperty("name") @Nullable String name,
            @JsonProperty("host") @Nullable String host,
            @JsonProperty("paths") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                    @Nullable List<String> paths,
            @JsonProperty("methods") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                    @Nullable List<String> methods,
            @JsonProperty("enabled") @Nullable Boolean enabled,
            @JsonProperty("allow_private") @Nullable Boolean allowPrivate,
            @JsonProperty("allow_plaintext") @Nullable Boolean allowPlaintext,
            @JsonProperty("redact_responses") @Nullable Boolean redactResponses,
            @JsonProperty("description") @Nullable String description,
            @JsonProperty("inject") @Nullable Object inject,
            @JsonProperty("approval") @Nullable Object approval,
            @JsonAnySetter @Nullable Map<String, Object> unknown) {
        if (unknown != null && !unknown.isEmpty()) {
            throw new IllegalArgumentException((name == null ? "service" : "service '" + name + "'")
                    + ": unknown member" + (unknown.size() > 1 ? "s '" : " '") + String.join("', '", unknown.keySet())
                    + "'; expected name, host, methods, paths, enabled, allow_private, allow_plaintext, redact_responses,"
                    + " description, inject, approval");
        }
        if (name == null) {
            throw new IllegalArgumentException("service 'name' is required");
        }
        if (host == null) {
            throw new IllegalArgumentException("service '" + name + "': 'host' is required");
        }
        Injection injection;
        try {
            injection = InjectionJson.read(inject);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("service '" + name + "': " + e.getMessage(), e);
        }
        ApprovalRule rule;
        try {
            rule = ApprovalRule.fromJson(approval);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("service '" + name + "': " + e.getMessage(), e);
        } catch (dev.keyway.core.error.KeywayException e) {
            throw new IllegalArgumentException("service '" + name + "': " + e.detail(), e);
        }
        return new ServiceDefinition(
                name,
                host,
                paths == null ? List.of() : nonNullElements(paths, name, "paths"),
                methods == null ? List.of() : nonNullElements(methods, name, "methods"),
                enabled == null || enabled,
                allowPrivate != null && allowPrivate,
                allowPlaintext != null && allowPlaintext,
                redactResponses == null || redactResponses,
                description,
                injection,
                rule);
    }

    private static List<String> nonNullElements(List<String> list, String service, String field) {
        for (String s : list) {
            if (s == null) {
                throw new IllegalArgumentException("service '" + service + "': '" + field + "' contains null");
            }
        }
        return list;
    }

    /** This definition under another name. */
    public ServiceDefinition withName(String newName) {
        return new ServiceDefinition(newName, host, paths, methods, enabled, allowPrivate, allowPlaintext, redactResponses,
                description, injection, approval);
    }

    /** This definition with another host (a per-tenant template's own host, for one). */
    public ServiceDefinition withHost(String newHost) {
        return new ServiceDefinition(name, newHost, paths, methods, enabled, allowPrivate, allowPlaintext, redactResponses,
                description, injection, approval);
    }

    /** This definition with another injection. */
    public ServiceDefinition withInjection(Injection newInjection) {
        return new ServiceDefinition(name, host, paths, methods, enabled, allowPrivate, allowPlaintext, redactResponses,
                description, newInjection, approval);
    }

    /** This definition with response redaction on or off. */
    public ServiceDefinition withRedactResponses(boolean on) {
        return new ServiceDefinition(name, host, paths, methods, enabled, allowPrivate, allowPlaintext, on, description,
                injection, approval);
    }

    /** This definition with another approval rule (null: no approval needed). */
    public ServiceDefinition withApproval(@Nullable ApprovalRule newApproval) {
        return new ServiceDefinition(name, host, paths, methods, enabled, allowPrivate, allowPlaintext, redactResponses,
                description, injection, newApproval);
    }

    /** This definition enabled or disabled. */
    public ServiceDefinition withEnabled(boolean newEnabled) {
        return new ServiceDefinition(name, host, paths, methods, newEnabled, allowPrivate, allowPlaintext, redactResponses,
                description, injection, approval);
    }
}
