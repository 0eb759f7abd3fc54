package dev.keyway.core.error;

import java.net.URI;

/**
 * Every kind of error Keyway reports, with a stable RFC 9457 problem {@code type} URI.
 *
 * <p>Clients (agents, the CLI, scripts) branch on {@link #slug()} or {@link #uri()}, never on the
 * human-readable detail. The slug is also sent by the proxy in the {@code Keyway-Error} header so an
 * agent can tell a Keyway policy decision from an upstream's own 403. Slugs are part of the public
 * contract: add new ones freely, never rename or reuse one.
 */
public enum ErrorType {
    // generic control-plane errors
    BAD_REQUEST("bad-request", 400, "Bad request"),
    VALIDATION("validation", 422, "Validation failed"),
    UNAUTHORIZED("unauthorized", 401, "Authentication required"),
    FORBIDDEN("forbidden", 403, "Permission denied"),
    NOT_FOUND("not-found", 404, "Not found"),
    METHOD_NOT_ALLOWED("method-not-allowed", 405, "Method not allowed"),
    CONFLICT("conflict", 409, "Conflict"),
    PAYLOAD_TOO_LARGE("payload-too-large", 413, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, "Unsupported media type"),
    RATE_LIMITED("rate-limited", 429, "Too many requests"),
    INTERNAL("internal", 500, "Internal error"),
    STORE_UNAVAILABLE("store-unavailable", 503, "Storage unavailable"),

    // proxy errors (also sent as Keyway-Error header)
    PROXY_AUTH_REQUIRED("proxy-auth-required", 407, "Proxy authentication required"),
    PROXY_AUTH_INVALID("proxy-auth-invalid", 407, "Proxy credentials rejected"),
    MALFORMED_REQUEST("malformed-request", 400, "Malformed request"),
    ORIGIN_FORM_REJECTED("origin-form-rejected", 400, "Not a proxy request"),
    HTTPS_URL_REJECTED("https-url-rejected", 400, "Use CONNECT for https"),
    HEADERS_TOO_LARGE("headers-too-large", 431, "Request headers too large"),
    HOST_MISMATCH("host-mismatch", 403, "Host does not match the tunnel target"),
    UNMATCHED_HOST_DENIED("unmatched-host-denied", 403, "Destination not allowed"),
    SERVICE_RULE_DENIED("service-rule-denied", 403, "Request not allowed by service rules"),
    SERVICE_DISABLED("service-disabled", 403, "Service disabled"),
    PLAINTEXT_REFUSED("plaintext-refused", 403, "Credential not sent over plain HTTP"),
    PRIVATE_ADDRESS_BLOCKED("private-address-blocked", 403, "Destination address is private or reserved"),
    CREDENTIAL_UNAVAILABLE("credential-unavailable", 502, "Credential unavailable"),
    CREDENTIAL_SOURCE_UNAVAILABLE("credential-source-unavailable", 503, "Credential source unavailable"),
    UPSTREAM_UNREACHABLE("upstream-unreachable", 502, "Upstream unreachable"),
    UPSTREAM_TLS_FAILED("upstream-tls-failed", 502, "Upstream TLS verification failed"),
    UPSTREAM_TIMEOUT("upstream-timeout", 504, "Upstream timed out"),
    UPSTREAM_PROTOCOL_ERROR("upstream-protocol-error", 502, "Upstream protocol error"),
    /**
     * A response to a request that received a credential is in a content coding Keyway cannot decode,
     * so it cannot be scanned for an echoed secret: refused rather than passed through.
     */
    RESPONSE_UNSCANNABLE("response-unscannable", 502, "Response cannot be scanned for secrets"),
    DNS_FAILED("dns-failed", 502, "Upstream host could not be resolved"),
    AUDIT_UNAVAILABLE("audit-unavailable", 503, "Audit log unavailable"),
    REQUEST_TIMEOUT("request-timeout", 408, "Client too slow"),
    /** A cluster node that has not confirmed sync with the shared database within --max-sync-lag: it fails closed. */
    NODE_OUT_OF_SYNC("node-out-of-sync", 503, "Node out of sync"),
    /** A held request that an owner or member denied (issue 12 §3); the detail carries their reason. */
    APPROVAL_DENIED("approval-denied", 403, "Request denied by an approver"),
    /** A held request that nobody approved within the service's approval timeout. */
    APPROVAL_TIMEOUT("approval-timeout", 403, "Request not approved in time"),
    /** A request carried a decoy credential (a planted value bound to no service): refused and alerted. */
    DECOY_CREDENTIAL_USED("decoy-credential-used", 403, "Decoy credential used");

    /** Base of every problem type URI. Resolves to the error reference in docs/errors.md. */
    public static final String BASE = "https://keyway.dev/errors/";

    private final String slug;
    private final int status;
    private final String title;

    ErrorType(String slug, int status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    /** Short stable identifier, e.g. {@code unmatched-host-denied}. */
    public String slug() {
        return slug;
    }

    /** HTTP status code the error is reported with. */
    public int status() {
        return status;
    }

    /** Short human summary; the same for every occurrence of the type. */
    public String title() {
        return title;
    }

    /** The RFC 9457 {@code type} member. */
    public URI uri() {
        return URI.create(BASE + slug);
    }

    /** Looks up a type by slug; used by clients decoding problem documents. */
    public static ErrorType fromSlug(String slug) {
        for (ErrorType t : values()) {
            if (t.slug.equals(slug)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown error type: " + slug);
    }
}
