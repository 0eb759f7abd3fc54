package dev.keyway.core.inject;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.service.HeaderTemplate;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ValueExpression;
import dev.keyway.core.service.ValueTemplate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Puts a service's credential onto an allowed request: the "inject" step of match → decide →
 * inject, for every {@link Injection} kind. Pure: no I/O besides the {@link CredentialResolver}.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>{@code Proxy-Authorization}, {@code Proxy-Connection} and every other {@code Proxy-*} field are always
 *       removed ({@link ProxyHeaders}).
 *   <li>Headers the service manages are removed from the client's request, then the injected ones
 *       are appended, so Keyway's value always wins: {@code Authorization} for bearer and basic,
 *       every templated header for header injection. For query injection the client's copies of
 *       the parameter are removed (the first is replaced in place, else it is appended).
 *   <li>A credential value placed raw into a header must be printable ASCII (spaces and tabs
 *       allowed); one with a line break, NUL, other control or non-ASCII character is refused with
 *       {@link ErrorType#CREDENTIAL_UNAVAILABLE} (it could split the header). Empty or missing
 *       credentials are refused the same way. Messages name the credential, never its value.
 *   <li>Bearer: {@code Authorization: Bearer <value>}. Basic: {@code Authorization: Basic
 *       base64(user:password)} over UTF-8 bytes (a user credential containing {@code :} is
 *       refused). Headers: the template rendered with each {@code {NAME}} replaced by the value.
 *       Query: the value percent-encoded as a query component (all but unreserved characters).
 *   <li>Composite values ({@link ValueExpression}, in header templates and in query and substitute
 *       values): evaluated through {@link CredentialResolver#composite} (which may cache) and then
 *       treated exactly like a credential's value: the header rule above applies to the result, a
 *       result that is empty or over {@link ValueExpression#MAX_OUTPUT} bytes is refused, and the
 *       credentials it read are reported as used.
 *   <li>Substitute: every occurrence of the placeholder on the declared surfaces is replaced;
 *       headers raw (control characters refused; never in {@code Host} or the framing headers),
 *       and inside {@code Authorization: Basic ...} after
 *       base64-decoding (then re-encoded, as git sends {@code base64(user:PLACEHOLDER)}); path
 *       percent-encoded as a path segment; query percent-encoded as a query component. Body: a
 *       {@link BodySubstitution} is returned when the request has a body ({@code Content-Length}
 *       other than 0, or {@code Transfer-Encoding}). WebSocket: a {@link TextSubstitution} is
 *       returned for an {@code Upgrade: websocket} request. The credential is resolved, and
 *       reported as used, only when a placeholder was found or a body/WebSocket substitution was
 *       installed.
 *   <li>A {@code Connection} option naming a header Keyway set or rewrote is removed (else the
 *       proxy would strip the injected header as hop-by-hop while the audit says it was injected).
 *   <li>When {@link InjectionResult.Applied#body()} is non-null the body length changes: the proxy
 *       must recompute {@code Content-Length} or switch to chunked transfer.
 * </ul>
 *
 * <p>The service must have passed {@code ServiceValidator}. Exceptions thrown by the resolver
 * propagate (the caller fails closed).
 */
public final class Injector {
    private static final String AUTHORIZATION = "Authorization";

    private Injector() {}

    /** Applies {@code service}'s injection to {@code head}; see the type's Javadoc for the rules. */
    public static InjectionResult apply(ServiceDefinition service, HttpHead head, CredentialResolver resolver) {
        return apply(service, head, resolver, null);
    }

    /**
     * Like {@link #apply(ServiceDefinition, HttpHead, CredentialResolver)}, with what a signing
     * injection ({@code hmac}, {@code jwt}) needs; without {@code signing} such an injection fails
     * closed (nothing is forwarded unsigned). {@code head} must be the request exactly as it will be
     * sent (the proxy's signing hook supplies it), since the signature covers it.
     */
    public static InjectionResult apply(ServiceDefinition service, HttpHead head, CredentialResolver resolver,
            @Nullable SignContext signing) {
        InjectionResult r = inject(service, head, resolver, signing);
        if (r instanceof InjectionResult.Applied a && a.injected()) {
            return new InjectionResult.Applied(keepInjected(head, a.head()), a.body(), a.webSocketText(),
                    a.credentialsUsed(), a.echoes());
        }
        return r;
    }

    private static InjectionResult inject(ServiceDefinition service, HttpHead head, CredentialResolver resolver,
            @Nullable SignContext signing) {
        try (Credentials creds = new Credentials(service.name(), resolver)) {
            InjectionResult r = switch (service.injection()) {
                case Injection.None n -> new InjectionResult.Applied(
                        head(head, head.pathAndQuery(), strip(head, Set.of()), List.of()), null, null, List.of());
                case Injection.Bearer b -> headerInjection(
                        head, List.of(new HttpHead.Header(AUTHORIZATION, "Bearer " + creds.headerValue(b.credential()))),
                        List.of(b.credential()));
                case Injection.Basic b -> headerInjection(
                        head, List.of(new HttpHead.Header(AUTHORIZATION, "Basic " + basic(b, creds))),
                        List.copyOf(b.credentialNames()));
                case Injection.Headers h -> headerInjection(head, render(h, creds), List.copyOf(h.credentialNames()));
                case Injection.Query q -> {
                    String encoded = PercentCodec.encodeQuery(creds.bytes(q.credential()));
                    String target = QueryRewrite.setParam(head.pathAndQuery(), q.param(), encoded);
                    yield new InjectionResult.Applied(
                            head(head, target, strip(head, Set.of()), List.of()), null, null, List.copyOf(q.credentialNames()));
                }
                case Injection.Substitute s -> Substitution.apply(s, head, strip(head, Set.of()), creds);
                case Injection.Hmac h -> signing == null ? unsigned(service)
                        : RequestSignatures.hmac(h, head, creds, signing);
                case Injection.Jwt j -> signing == null ? unsigned(service)
                        : RequestSignatures.jwt(j, head, creds, signing);
            };
            if (r instanceof InjectionResult.Applied a && a.injected()) {
                return new InjectionResult.Applied(a.head(), a.body(), a.webSocketText(), a.credentialsUsed(),
                        EchoForms.of(service.injection(), head, a.head(), creds.values()));
            }
            return r;
        } catch (Credentials.Refused refused) {
            return new InjectionResult.Failed(ErrorType.CREDENTIAL_UNAVAILABLE,
                    java.util.Objects.requireNonNullElse(refused.getMessage(), "credential unavailable"));
        }
    }

    private static InjectionResult unsigned(ServiceDefinition service) {
        return new InjectionResult.Failed(ErrorType.CREDENTIAL_UNAVAILABLE, "service '" + service.name()
                + "' signs its requests, and this request could not be signed; nothing was forwarded");
    }

    private static InjectionResult headerInjection(
            HttpHead head, List<HttpHead.Header> injected, List<String> credentials) {
        Set<String> managed = new HashSet<>();
        for (HttpHead.Header h : injected) {
            managed.add(h.name().toLowerCase(Locale.ROOT));
        }
        return new InjectionResult.Applied(
                head(head, head.pathAndQuery(), strip(head, managed), injected), null, null, credentials);
    }

    private static String basic(Injection.Basic b, Credentials creds) {
        byte[] user;
        if (b.usernameLiteral() != null) {
            user = b.usernameLiteral().getBytes(StandardCharsets.UTF_8);
        } else {
            String name = b.usernameCredential();
            user = creds.bytes(name == null ? "" : name);
            if (BodySubstitution.indexOf(user, new byte[] {':'}) >= 0) {
                throw creds.refuse("credential " + name + " for service '" + creds.service
                        + "' contains ':' and cannot be used as a Basic auth user name");
            }
        }
        byte[] pass = creds.bytes(b.passwordCredential());
        byte[] joined = new byte[user.length + 1 + pass.length];
        System.arraycopy(user, 0, joined, 0, user.length);
        joined[user.length] = ':';
        System.arraycopy(pass, 0, joined, user.length + 1, pass.length);
        try {
            return Base64.getEncoder().encodeToString(joined);
        } finally {
            Arrays.fill(joined, (byte) 0);
        }
    }

    static List<HttpHead.Header> render(Injection.Headers h, Credentials creds) {
        List<HttpHead.Header> out = new ArrayList<>(h.headers().size());
        for (HeaderTemplate t : h.headers()) {
            StringBuilder value = new StringBuilder();
            for (ValueTemplate.Part part : t.parts()) {
                switch (part) {
                    case ValueTemplate.Part.Literal(String text) -> value.append(text);
                    case ValueTemplate.Part.Reference(String credential) -> value.append(creds.headerValue(credential));
                    case ValueTemplate.Part.Expression(ValueExpression e) -> value.append(creds.headerValue(e));
                }
            }
            out.add(new HttpHead.Header(t.name(), value.toString()));
        }
        return out;
    }

    /**
     * Removes from {@code Connection} every token that names a header Keyway set or rewrote. A connection option names a hop-by-hop field that
     * the next hop strips (RFC 9110 §7.6.1): {@code Connection: authorization} would make the proxy
     * drop the injected credential while the audit records it as injected. The injected header
     * wins; every other connection option is left as the client sent it. A {@code Connection} field
     * left without tokens is dropped.
     */
    static HttpHead keepInjected(HttpHead in, HttpHead out) {
        // by identity: the injector passes the client's untouched fields on as the same objects, so a
        // field it set or rewrote is new even when the client happened to send the same text
        Set<HttpHead.Header> sent = Collections.newSetFromMap(new IdentityHashMap<>());
        sent.addAll(in.headers());
        Set<String> injected = new HashSet<>();
        for (HttpHead.Header h : out.headers()) {
            if (!sent.contains(h)) {
                injected.add(h.name().toLowerCase(Locale.ROOT));
            }
        }
        List<HttpHead.Header> headers = new ArrayList<>(out.headers().size());
        boolean changed = false;
        for (HttpHead.Header h : out.headers()) {
            if (!h.name().equalsIgnoreCase("connection")) {
                headers.add(h);
                continue;
            }
            List<String> kept = new ArrayList<>();
            for (String token : h.value().split(",", -1)) {
                String t = token.strip();
                if (!t.isEmpty() && !injected.contains(t.toLowerCase(Locale.ROOT))) {
                    kept.add(t);
                }
            }
            String value = String.join(", ", kept);
            if (value.equals(h.value())) {
                headers.add(h);
            } else {
                changed = true;
                if (!kept.isEmpty()) {
                    headers.add(new HttpHead.Header(h.name(), value));
                }
            }
        }
        return changed ? new HttpHead(out.method(), out.pathAndQuery(), headers) : out;
    }

    /** The client's headers minus the proxy's own and {@code managed} (lower-case names). */
    static List<HttpHead.Header> strip(HttpHead head, Set<String> managed) {
        List<HttpHead.Header> kept = new ArrayList<>(head.headers().size() + 2);
        for (HttpHead.Header h : head.headers()) {
            String lower = h.name().toLowerCase(Locale.ROOT);
            if (!ProxyHeaders.isProxyHeader(lower) && !managed.contains(lower)) {
                kept.add(h);
            }
        }
        return kept;
    }

    private static HttpHead head(HttpHead original, String target, List<HttpHead.Header> kept, List<HttpHead.Header> add) {
        List<HttpHead.Header> headers = new ArrayList<>(kept.size() + add.size());
        headers.addAll(kept);
        headers.addAll(add);
        return new HttpHead(original.method(), target, headers);
    }
}
