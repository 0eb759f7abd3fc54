package dev.keyway.core.service;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.keyway.core.sign.Hmacs;
import dev.keyway.core.sign.Jwts;
import dev.keyway.core.sign.SignTemplate;
import dev.keyway.core.sign.SignVariable;
import dev.keyway.core.sign.TimestampUnit;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a service puts a credential on a matching request. This is the whole vocabulary; the
 * behaviour of each kind is implemented in one place, {@code dev.keyway.core.inject.Injector}.
 *
 * <p>Wire format (the {@code inject} member of a service): exactly one of
 *
 * <pre>{@code
 * inject: none
 * inject: { bearer: OPENAI_API_KEY }
 * inject: { basic: { username: GITHUB_USER, password: GITHUB_TOKEN } }
 * inject: { basic: { username_literal: x-access-token, password: GITHUB_TOKEN } }
 * inject: { header: { Authorization: "token {GITHUB_TOKEN}", X-Extra: "{OTHER}" } }
 * inject: { query: { key: GEMINI_API_KEY } }
 * inject: { substitute: { placeholder: __KEY__, credential: ANTHROPIC_API_KEY, in: [header, body] } }
 * inject: { hmac: { key: BINANCE_SECRET, template: "{query}{body}", signature_query: signature } }
 * inject: { jwt: { key: CDP_KEY, algorithm: ES256, claims: { iss: cdp, uri: "{method} {host}{path}" } } }
 * }</pre>
 *
 * Unknown kinds and unknown members are rejected with a message naming them. Credential names are
 * upper-case environment-variable style ({@link Names#CREDENTIAL_NAME}).
 */
public sealed interface Injection {

    /** Every credential this injection can use, in a stable order. Valid definitions only. */
    Set<String> credentialNames();

    /** The wire form: a String ({@code none}) or a single-member Map. */
    @JsonValue
    default Object toJson() {
        return InjectionJson.write(this);
    }

    /** Parses the wire form (see the type's Javadoc); throws IllegalArgumentException with a useful message. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Injection fromJson(Object json) {
        return InjectionJson.read(json);
    }

    /** Nothing injected: the service only allows (and audits) traffic to its host. */
    record None() implements Injection {
        @Override
        public Set<String> credentialNames() {
            return Set.of();
        }
    }

    /** {@code Authorization: Bearer <credential>}. */
    record Bearer(String credential) implements Injection {
        public Bearer {
            Objects.requireNonNull(credential, "credential");
        }

        @Override
        public Set<String> credentialNames() {
            return Set.of(credential);
        }
    }

    /**
     * {@code Authorization: Basic base64(username:password)} (UTF-8). The password is always a
     * credential. The username is either a credential ({@code usernameCredential}, e.g. a
     * {@code GITHUB_USER}) or a fixed literal ({@code usernameLiteral}, e.g. {@code x-access-token}
     * for GitHub, {@code __token__} for PyPI) because many services take a token as the password
     * under a well-known user name. Exactly one of the two username fields is set.
     */
    record Basic(@Nullable String usernameCredential, @Nullable String usernameLiteral, String passwordCredential)
            implements Injection {
        public Basic {
            Objects.requireNonNull(passwordCredential, "passwordCredential");
        }

        /** Basic auth with a credential as the user name. */
        public static Basic withUserCredential(String usernameCredential, String passwordCredential) {
            return new Basic(usernameCredential, null, passwordCredential);
        }

        /** Basic auth with a fixed user name and a credential as the password. */
        public static Basic withLiteralUser(String usernameLiteral, String passwordCredential) {
            return new Basic(null, usernameLiteral, passwordCredential);
        }

        @Override
        public Set<String> credentialNames() {
            Set<String> names = new LinkedHashSet<>();
            if (usernameCredential != null) {
                names.add(usernameCredential);
            }
            names.add(passwordCredential);
            return Collections.unmodifiableSet(names);
        }
    }

    /**
     * Sets one or more headers from templates ({@link ValueTemplate}), e.g. {@code Authorization:
     * "token {GITHUB_TOKEN}"} or Datadog's two key headers. Client copies of these headers are
     * removed first. A header whose template references no credential is set as a fixed value; at
     * least one header must reference a credential.
     */
    record Headers(List<HeaderTemplate> headers) implements Injection {
        public Headers {
            headers = List.copyOf(headers);
        }

        public static Headers of(String name, String format) {
            return new Headers(List.of(new HeaderTemplate(name, format)));
        }

        @Override
        public Set<String> credentialNames() {
            Set<String> names = new LinkedHashSet<>();
            for (HeaderTemplate h : headers) {
                names.addAll(h.credentialNames());
            }
            return Collections.unmodifiableSet(names);
        }
    }

    /**
     * Sets query parameter {@code param} to the credential (percent-encoded), replacing any client
     * copy of the parameter, e.g. Google's {@code ?key=}. {@code credential} is a credential name or
     * a composite {@link ValueExpression} in braces ({@link ValueExpression#parseValue}).
     */
    record Query(String param, String credential) implements Injection {
        public Query {
            Objects.requireNonNull(param, "param");
            Objects.requireNonNull(credential, "credential");
        }

        @Override
        public Set<String> credentialNames() {
            return ValueExpression.credentialNamesOfValue(credential);
        }
    }

    /**
     * The agent holds a placeholder string instead of the credential (set as its environment
     * variable) and uses it like the real key; Keyway replaces every occurrence of the placeholder
     * on the declared {@link Surface surfaces} with the credential. Occurrences elsewhere, and
     * occurrences sent to any other service, are forwarded verbatim (so a leaked placeholder is
     * useless). Placeholders: 4 to 128 printable ASCII characters without spaces, and within one
     * vault no placeholder may contain another. Prefer RFC 3986 unreserved characters ({@code
     * A-Z a-z 0-9 - . _ ~}): placeholders are matched as sent, so one that a client percent-encodes
     * in a URL is not found there. {@code credential} is a credential name or a composite
     * {@link ValueExpression} in braces ({@link ValueExpression#parseValue}).
     */
    record Substitute(String placeholder, String credential, Set<Surface> surfaces) implements Injection {
        /** The surfaces used when {@code in} is omitted: header, path and query. */
        public static final Set<Surface> DEFAULT_SURFACES =
                Collections.unmodifiableSet(EnumSet.of(Surface.HEADER, Surface.PATH, Surface.QUERY));

        public Substitute {
            Objects.requireNonNull(placeholder, "placeholder");
            Objects.requireNonNull(credential, "credential");
            surfaces = immutableEnumSet(surfaces);
        }

        /** A substitution on the default surfaces. */
        public Substitute(String placeholder, String credential) {
            this(placeholder, credential, DEFAULT_SURFACES);
        }

        @Override
        public Set<String> credentialNames() {
            return ValueExpression.credentialNamesOfValue(credential);
        }

        private static Set<Surface> immutableEnumSet(Collection<Surface> surfaces) {
            EnumSet<Surface> copy = EnumSet.noneOf(Surface.class);
            copy.addAll(surfaces);
            return Collections.unmodifiableSet(copy);
        }
    }

    /**
     * Signs every request with an HMAC over a string built from the request ({@link SignTemplate}),
     * the way exchange and payment APIs authenticate (Binance {@code signature=}, Coinbase Exchange
     * {@code CB-ACCESS-SIGN}). The key never leaves Keyway: only the signature is sent. The proxy's
     * signing hook runs it on the final request, buffering the body when the template uses
     * {@code {body}} or {@code {body_sha256}} (larger than the proxy's limit: 413, never unsigned).
     *
     * @param key the credential holding the HMAC key
     * @param keyEncoding how the credential holds the key ({@code raw} or {@code base64})
     * @param algorithm {@code sha256} or {@code sha512}
     * @param template the string to sign (variables only, no credentials)
     * @param signatureHeader the header the signature is sent in, or null
     * @param signatureQuery the query parameter the signature is appended as, or null (at least one of the two)
     * @param encoding {@code hex} or {@code base64}
     * @param timestampUnit the unit of {@code {timestamp}} and the timestamp header/parameter
     * @param timestampHeader a header the timestamp is sent in, or null
     * @param timestampQuery a query parameter set to the timestamp before signing (replacing the client's), or null
     * @param nonceHeader a header the nonce is sent in, or null
     * @param headers further headers set from value templates over credentials (the API key header)
     */
    record Hmac(String key, Hmacs.KeyEncoding keyEncoding, Hmacs.Algorithm algorithm, String template,
            @Nullable String signatureHeader, @Nullable String signatureQuery, Hmacs.Encoding encoding,
            TimestampUnit timestampUnit, @Nullable String timestampHeader, @Nullable String timestampQuery,
            @Nullable String nonceHeader, List<HeaderTemplate> headers) implements Injection {
        public Hmac {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(keyEncoding, "keyEncoding");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(encoding, "encoding");
            Objects.requireNonNull(timestampUnit, "timestampUnit");
            headers = List.copyOf(headers);
        }

        /** The parsed string to sign; IllegalArgumentException (with the position) when invalid. */
        public SignTemplate stringToSign() {
            return SignTemplate.parse(template, EnumSet.allOf(SignVariable.class), false);
        }

        @Override
        public Set<String> credentialNames() {
            Set<String> names = new LinkedHashSet<>();
            names.add(key);
            for (HeaderTemplate h : headers) {
                names.addAll(h.credentialNames());
            }
            return Collections.unmodifiableSet(names);
        }
    }

    /**
     * Sends a short-lived JWT made per request, signed with a private key from a credential, as
     * {@code Authorization: Bearer} (Coinbase CDP-style APIs). {@code iat} is the signing time,
     * {@code exp} is {@code iat + lifetime} and {@code nbf} equals {@code iat} when
     * {@code notBefore}; every other claim comes from a template.
     *
     * @param key the credential holding the PEM private key
     * @param algorithm ES256, RS256 or EdDSA
     * @param kid the {@code kid} header (a template over credentials), or null
     * @param claims claim name → template over {@code {method} {host} {path} {query} {path_query}}
     *     and credentials, in order
     * @param lifetime how long each token is valid (1 second to 10 minutes)
     * @param notBefore whether {@code nbf} is set
     * @param nonce whether the header carries a random {@code nonce} (Coinbase CDP)
     */
    record Jwt(String key, Jwts.Algorithm algorithm, @Nullable String kid, Map<String, String> claims, Duration lifetime,
            boolean notBefore, boolean nonce) implements Injection {
        /** The lifetime when none is given. */
        public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(120);
        /** The variables a claim may use. */
        public static final Set<SignVariable> CLAIM_VARIABLES = Collections.unmodifiableSet(EnumSet.of(
                SignVariable.METHOD, SignVariable.HOST, SignVariable.PATH, SignVariable.QUERY, SignVariable.PATH_QUERY));

        public Jwt {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(lifetime, "lifetime");
            claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
        }

        /** The parsed {@code kid} template, or null; IllegalArgumentException when invalid. */
        public @Nullable SignTemplate kidTemplate() {
            return kid == null ? null : SignTemplate.parse(kid, Set.of(), true);
        }

        /** The parsed claim templates, in order; IllegalArgumentException (naming the claim) when one is invalid. */
        public Map<String, SignTemplate> claimTemplates() {
            Map<String, SignTemplate> out = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : claims.entrySet()) {
                try {
                    out.put(e.getKey(), SignTemplate.parse(e.getValue(), CLAIM_VARIABLES, true));
                } catch (IllegalArgumentException x) {
                    throw new IllegalArgumentException("claim '" + e.getKey() + "': " + x.getMessage(), x);
                }
            }
            return Collections.unmodifiableMap(out);
        }

        @Override
        public Set<String> credentialNames() {
            Set<String> names = new LinkedHashSet<>();
            names.add(key);
            SignTemplate k = kidTemplate();
            if (k != null) {
                names.addAll(k.credentialNames());
            }
            for (SignTemplate t : claimTemplates().values()) {
                names.addAll(t.credentialNames());
            }
            return Collections.unmodifiableSet(names);
        }
    }
}
