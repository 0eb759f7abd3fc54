package dev.keyway.core.service;

import dev.keyway.core.error.KeywayException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every rule a {@link ServiceDefinition} must satisfy before Keyway uses it, in one place. Failures
 * are {@link KeywayException#validation(String, String)} with the offending field ({@code host},
 * {@code paths[1]}, {@code inject.header.Authorization}, ...) and a message that names the service,
 * quotes the bad value (never a secret: definitions hold only credential names) and says what to
 * write instead.
 */
public final class ServiceValidator {
    /** HTTP method tokens as Keyway accepts them: upper case. */
    private static final Pattern METHOD = Pattern.compile("^[A-Z][A-Z0-9_-]{0,31}$");
    /** RFC 9110 token, for header names. */
    private static final Pattern TOKEN = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$");
    /** Query parameter names: RFC 3986 unreserved characters. */
    private static final Pattern QUERY_PARAM = Pattern.compile("^[A-Za-z0-9._~-]{1,64}$");
    /** Headers that frame or route the message, or belong to the proxy: a service may not set them. */
    private static final Set<String> FORBIDDEN_HEADERS = Set.of(
            "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer",
            "keep-alive", "expect", "proxy-authorization", "proxy-authenticate", "proxy-connection");
    private static final int MAX_PATHS = 64;
    private static final int MAX_METHODS = 32;
    private static final int MAX_HEADERS = 16;
    private static final int MAX_DESCRIPTION = 1024;

    private ServiceValidator() {}

    /**
     * Validates one service on its own.
     *
     * @throws KeywayException of type {@code validation} on the first rule broken
     */
    public static void validate(ServiceDefinition s) {
        if (!Names.isServiceName(s.name())) {
            throw KeywayException.validation("name", "service name '" + s.name()
                    + "' must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String who = "service '" + s.name() + "': ";
        validateHost(s, who);
        validatePaths(s.paths(), who);
        validateMethods(s.methods(), who);
        if (s.description() != null) {
            String d = s.description();
            if (d.length() > MAX_DESCRIPTION) {
                throw KeywayException.validation("description", who + "description is longer than 1024 characters");
            }
        }
        validateInjection(s.injection(), who);
        validateApproval(s.approval(), who);
    }

    /** The approval rule's methods and paths follow the service's own rules; the timeout is bounded. */
    private static void validateApproval(dev.keyway.core.approval.@org.jspecify.annotations.Nullable ApprovalRule a,
            String who) {
        if (a == null) {
            return;
        }
        try {
            validatePaths(a.paths(), who + "approval: ");
            validateMethods(a.methods(), who + "approval: ");
        } catch (KeywayException e) {
            throw KeywayException.validation("approval." + e.extras().getOrDefault("field", "approval"), e.detail());
        }
        if (a.timeout().compareTo(dev.keyway.core.approval.ApprovalRule.MIN_TIMEOUT) < 0
                || a.timeout().compareTo(dev.keyway.core.approval.ApprovalRule.MAX_TIMEOUT) > 0) {
            throw KeywayException.validation("approval.timeout", who + "approval timeout must be between 1s and 1h, not "
                    + dev.keyway.core.time.Durations.format(a.timeout()));
        }
    }

    /**
     * Validates the services of one vault: each on its own, names unique, and no placeholder of a
     * substitute service contained in another's (else substitution would be ambiguous).
     *
     * @throws KeywayException of type {@code validation} on the first rule broken
     */
    public static void validateVault(List<ServiceDefinition> services) {
        Set<String> names = new HashSet<>();
        Map<String, String> placeholders = new HashMap<>();
        for (ServiceDefinition s : services) {
            validate(s);
            if (!names.add(s.name())) {
                throw KeywayException.validation("name", "service name '" + s.name() + "' is used more than once");
            }
            if (s.injection() instanceof Injection.Substitute sub) {
                for (Map.Entry<String, String> other : placeholders.entrySet()) {
                    String p = other.getKey();
                    if (p.contains(sub.placeholder()) || sub.placeholder().contains(p)) {
                        throw KeywayException.validation("inject.substitute.placeholder", "service '" + s.name()
                                + "': placeholder '" + sub.placeholder() + "' overlaps the placeholder '" + p
                                + "' of service '" + other.getValue()
                                + "'; placeholders must be distinct and neither may contain the other");
                    }
                }
                placeholders.put(sub.placeholder(), s.name());
            }
        }
    }

    private static void validateHost(ServiceDefinition s, String who) {
        HostPattern p;
        try {
            p = HostPattern.parse(s.host());
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("host", who + e.getMessage());
        }
        if (p.wildcard() && HostRules.isPublicSuffix(p.host())) {
            throw KeywayException.validation("host", who + "'" + s.host() + "' would match every site under the"
                    + " public suffix '" + p.host() + "'; name the host, or a wildcard under a domain you trust"
                    + " (e.g. *.api.example.com)");
        }
        if (s.allowPlaintext() && !PlaintextRule.eligible(p)) {
            throw KeywayException.validation("allow_plaintext", who + "allow_plaintext is only accepted for a private"
                    + " or loopback host (a private or loopback IP, localhost, a single-label name, or a name under"
                    + " .internal, .local or .lan), not '" + s.host() + "'; a public host must be reached over TLS");
        }
        if (s.allowPrivate()) {
            return;
        }
        if (p.isIpLiteral()) {
            throw KeywayException.validation("host", who + "'" + s.host() + "' is an IP address; use the host name,"
                    + " or set allow_private: true for an internal service");
        }
        if (HostRules.isInternalName(p.host())) {
            throw KeywayException.validation("host", who + "'" + s.host() + "' is an internal or single-label host"
                    + " name; use a public name, or set allow_private: true for an internal service");
        }
    }

    private static void validatePaths(List<String> paths, String who) {
        if (paths.size() > MAX_PATHS) {
            throw KeywayException.validation("paths", who + "at most " + MAX_PATHS + " path globs are allowed");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < paths.size(); i++) {
            String glob = paths.get(i);
            try {
                PathGlob.compile(glob);
            } catch (IllegalArgumentException e) {
                throw KeywayException.validation("paths[" + i + "]", who + e.getMessage());
            }
            if (!seen.add(glob)) {
                throw KeywayException.validation("paths[" + i + "]", who + "path '" + glob + "' is listed twice");
            }
        }
    }

    private static void validateMethods(List<String> methods, String who) {
        if (methods.size() > MAX_METHODS) {
            throw KeywayException.validation("methods", who + "at most " + MAX_METHODS + " methods are allowed");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < methods.size(); i++) {
            String m = methods.get(i);
            String field = "methods[" + i + "]";
            if (m.equals("*")) {
                throw KeywayException.validation(field, who + "'*' is not a method; omit 'methods' (or use [])"
                        + " to allow any method");
            }
            if (!METHOD.matcher(m).matches()) {
                String upper = m.toUpperCase(Locale.ROOT);
                throw KeywayException.validation(field, who + "method '" + m + "' is not an upper-case HTTP method"
                        + (METHOD.matcher(upper).matches() ? "; write " + upper : ""));
            }
            if (!seen.add(m)) {
                throw KeywayException.validation(field, who + "method '" + m + "' is listed twice");
            }
        }
    }

    private static void validateInjection(Injection injection, String who) {
        switch (injection) {
            case Injection.None n -> {}
            case Injection.Bearer b -> credential(b.credential(), "inject.bearer", who);
            case Injection.Basic b -> validateBasic(b, who);
            case Injection.Headers h -> validateHeaders(h, who);
            case Injection.Query q -> {
                if (!QUERY_PARAM.matcher(q.param()).matches()) {
                    throw KeywayException.validation("inject.query", who + "query parameter '" + q.param()
                            + "' must be 1-64 characters from A-Z a-z 0-9 . _ ~ -");
                }
                value(q.credential(), "inject.query." + q.param(), who);
            }
            case Injection.Substitute sub -> validateSubstitute(sub, who);
            case Injection.Hmac h -> validateHmac(h, who);
            case Injection.Jwt j -> validateJwt(j, who);
        }
    }

    private static void validateBasic(Injection.Basic b, String who) {
        if ((b.usernameCredential() == null) == (b.usernameLiteral() == null)) {
            throw KeywayException.validation("inject.basic", who
                    + "basic needs exactly one of 'username' (a credential) or 'username_literal' (a fixed name)");
        }
        if (b.usernameCredential() != null) {
            credential(b.usernameCredential(), "inject.basic.username", who);
        } else {
            String lit = b.usernameLiteral();
            if (lit == null || lit.isEmpty() || lit.length() > 256 || lit.indexOf(':') >= 0
                    || lit.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw KeywayException.validation("inject.basic.username_literal", who
                        + "username_literal must be 1-256 characters without ':' or control characters");
            }
        }
        credential(b.passwordCredential(), "inject.basic.password", who);
    }

    private static void validateHeaders(Injection.Headers h, String who) {
        if (h.headers().isEmpty()) {
            throw KeywayException.validation("inject.header", who + "header injection needs at least one header");
        }
        if (!headerTemplates(h.headers(), "inject.header", who)) {
            throw KeywayException.validation("inject.header", who
                    + "no header template references a credential; write e.g. \"Bearer {API_TOKEN}\"");
        }
    }

    /** Validates header templates under {@code prefix}; true when one of them references a credential. */
    private static boolean headerTemplates(List<HeaderTemplate> headers, String prefix, String who) {
        if (headers.size() > MAX_HEADERS) {
            throw KeywayException.validation(prefix, who + "at most " + MAX_HEADERS + " headers are allowed");
        }
        Set<String> seen = new HashSet<>();
        boolean anyCredential = false;
        for (HeaderTemplate t : headers) {
            String field = prefix + "." + t.name();
            headerName(t.name(), field, who);
            if (!seen.add(t.name().toLowerCase(Locale.ROOT))) {
                throw KeywayException.validation(field, who + "header '" + t.name() + "' is listed twice");
            }
            if (t.format().length() > 4096 || t.format().chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                throw KeywayException.validation(field, who + "the template for '" + t.name()
                        + "' must be at most 4096 characters without control characters");
            }
            try {
                anyCredential |= !t.credentialNames().isEmpty();
            } catch (IllegalArgumentException e) {
                throw KeywayException.validation(field, who + "template for '" + t.name() + "': " + e.getMessage());
            }
        }
        return anyCredential;
    }

    /** A header name Keyway may set: a token that neither frames nor routes the request. */
    private static void headerName(String name, String field, String who) {
        if (!TOKEN.matcher(name).matches()) {
            throw KeywayException.validation(field, who + "'" + name + "' is not a valid header name");
        }
        if (FORBIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            throw KeywayException.validation(field, who + "header '" + name
                    + "' frames or routes the request and cannot be injected");
        }
    }

    private static void validateHmac(Injection.Hmac h, String who) {
        credential(h.key(), "inject.hmac.key", who);
        try {
            h.stringToSign();
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("inject.hmac.template", who + "template: " + e.getMessage());
        }
        if (h.template().isEmpty()) {
            throw KeywayException.validation("inject.hmac.template", who + "the template is empty");
        }
        if (h.signatureHeader() == null && h.signatureQuery() == null) {
            throw KeywayException.validation("inject.hmac", who
                    + "hmac needs signature_header (e.g. X-Signature) or signature_query (e.g. signature), or both");
        }
        Set<String> names = new HashSet<>();
        for (String[] out : new String[][] {{"signature_header", h.signatureHeader()}, {"timestamp_header", h.timestampHeader()},
                {"nonce_header", h.nonceHeader()}}) {
            if (out[1] != null) {
                headerName(out[1], "inject.hmac." + out[0], who);
                if (!names.add(out[1].toLowerCase(Locale.ROOT))) {
                    throw KeywayException.validation("inject.hmac." + out[0], who + "header '" + out[1] + "' is used twice");
                }
            }
        }
        for (HeaderTemplate t : h.headers()) {
            if (names.contains(t.name().toLowerCase(Locale.ROOT))) {
                throw KeywayException.validation("inject.hmac.headers." + t.name(), who + "header '" + t.name()
                        + "' is already set by the signature");
            }
        }
        headerTemplates(h.headers(), "inject.hmac.headers", who);
        for (String[] q : new String[][] {{"signature_query", h.signatureQuery()}, {"timestamp_query", h.timestampQuery()}}) {
            if (q[1] != null && !QUERY_PARAM.matcher(q[1]).matches()) {
                throw KeywayException.validation("inject.hmac." + q[0], who + "query parameter '" + q[1]
                        + "' must be 1-64 characters from A-Z a-z 0-9 . _ ~ -");
            }
        }
        if (h.signatureQuery() != null && h.signatureQuery().equals(h.timestampQuery())) {
            throw KeywayException.validation("inject.hmac.timestamp_query", who
                    + "timestamp_query and signature_query name the same parameter");
        }
    }

    private static final java.time.Duration MAX_JWT_LIFETIME = java.time.Duration.ofMinutes(10);
    private static final Set<String> COMPUTED_CLAIMS = Set.of("iat", "exp", "nbf");
    private static final int MAX_CLAIMS = 16;

    private static void validateJwt(Injection.Jwt j, String who) {
        credential(j.key(), "inject.jwt.key", who);
        if (j.lifetime().compareTo(java.time.Duration.ofSeconds(1)) < 0 || j.lifetime().compareTo(MAX_JWT_LIFETIME) > 0
                || j.lifetime().toNanos() % 1_000_000_000L != 0) {
            throw KeywayException.validation("inject.jwt.lifetime", who
                    + "lifetime must be whole seconds from 1s to 10m (a token per request needs only a short one)");
        }
        if (j.claims().size() > MAX_CLAIMS) {
            throw KeywayException.validation("inject.jwt.claims", who + "at most " + MAX_CLAIMS + " claims are allowed");
        }
        for (String name : j.claims().keySet()) {
            if (COMPUTED_CLAIMS.contains(name)) {
                throw KeywayException.validation("inject.jwt.claims." + name, who + "claim '" + name
                        + "' is set by Keyway from the signing time and 'lifetime'; remove it");
            }
            if (name.isEmpty() || name.length() > 64 || name.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw KeywayException.validation("inject.jwt.claims", who
                        + "a claim name must be 1-64 printable ASCII characters without spaces");
            }
        }
        try {
            j.kidTemplate();
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("inject.jwt.kid", who + "kid: " + e.getMessage());
        }
        try {
            j.claimTemplates();
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("inject.jwt.claims", who + e.getMessage());
        }
        for (String c : j.credentialNames()) {
            credential(c, "inject.jwt", who);
        }
    }

    private static void validateSubstitute(Injection.Substitute sub, String who) {
        String p = sub.placeholder();
        if (p.length() < 4 || p.length() > 128) {
            throw KeywayException.validation("inject.substitute.placeholder", who
                    + "placeholder must be 4-128 characters long (it has " + p.length() + ")");
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw KeywayException.validation("inject.substitute.placeholder", who
                        + "placeholder may contain only printable ASCII without spaces (position " + i + ")");
            }
        }
        value(sub.credential(), "inject.substitute.credential", who);
        if (sub.surfaces().isEmpty()) {
            throw KeywayException.validation("inject.substitute.in", who
                    + "'in' lists no surface; omit it for the default (header, path, query)");
        }
    }

    /** A query or substitute value: a credential name, or a composite expression in braces. */
    private static void value(String spec, String field, String who) {
        if (!spec.startsWith("{")) {
            credential(spec, field, who);
            return;
        }
        try {
            ValueExpression.parseValue(spec);
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation(field, who + "expression: " + e.getMessage());
        }
    }

    private static void credential(String name, String field, String who) {
        if (!Names.isCredentialName(name)) {
            throw KeywayException.validation(field, who + "'" + name + "' is not a credential name: use upper-case"
                    + " letters, digits and '_', starting with a letter (e.g. OPENAI_API_KEY)");
        }
    }
}
