package dev.keyway.core.inject;

import dev.keyway.core.service.HeaderTemplate;
import dev.keyway.core.service.Injection;
import dev.keyway.core.sign.Hmacs;
import dev.keyway.core.sign.Jwts;
import dev.keyway.core.sign.PrivateKeys;
import dev.keyway.core.sign.RequestValues;
import dev.keyway.core.sign.SignTemplate;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code hmac} and {@code jwt} injections: sign the final request with a key from a credential.
 * Pure (time, nonce and body come in a {@link SignContext}); the {@link Injector} owns the
 * credentials and wipes them.
 *
 * <p>HMAC, in this order: the client's copies of every header the injection sets are removed, and
 * of the signature parameter; the timestamp parameter is set (replacing the client's); the string
 * to sign is rendered over the request as it will then be sent; the signature is appended as the
 * last query parameter and/or set as a header with the timestamp, nonce and templated headers.
 * JWT: a token with the templated claims plus {@code iat}, {@code exp} (and {@code nbf}) replaces
 * the client's {@code Authorization}.
 */
final class RequestSignatures {
    private RequestSignatures() {}

    static InjectionResult.Applied hmac(Injection.Hmac h, HttpHead head, Credentials creds, SignContext ctx) {
        Set<String> managed = new HashSet<>();
        for (String name : new String[] {h.signatureHeader(), h.timestampHeader(), h.nonceHeader()}) {
            if (name != null) {
                managed.add(name.toLowerCase(Locale.ROOT));
            }
        }
        for (HeaderTemplate t : h.headers()) {
            managed.add(t.name().toLowerCase(Locale.ROOT));
        }
        List<HttpHead.Header> headers = Injector.strip(head, managed);
        String timestamp = h.timestampUnit().format(ctx.now());
        String target = head.pathAndQuery();
        if (h.signatureQuery() != null) {
            target = QueryRewrite.removeParam(target, h.signatureQuery());
        }
        if (h.timestampQuery() != null) {
            target = QueryRewrite.setParam(target, h.timestampQuery(), timestamp);
        }
        RequestValues values = values(head, target, ctx, timestamp);
        byte[] message = h.stringToSign().render(values);
        byte[] key;
        try {
            key = Hmacs.key(creds.bytes(h.key()), h.keyEncoding());
        } catch (IllegalArgumentException e) {
            throw creds.refuse("credential " + h.key() + " for service '" + creds.service + "' cannot be used as an HMAC key: "
                    + e.getMessage());
        }
        String signature;
        try {
            signature = h.encoding().encode(Hmacs.mac(h.algorithm(), key, message));
        } catch (IllegalArgumentException e) {
            throw creds.refuse("credential " + h.key() + " for service '" + creds.service + "' cannot be used as an HMAC key: "
                    + e.getMessage());
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        headers.addAll(Injector.render(new Injection.Headers(h.headers()), creds));
        if (h.signatureHeader() != null) {
            headers.add(new HttpHead.Header(h.signatureHeader(), signature));
        }
        if (h.timestampHeader() != null) {
            headers.add(new HttpHead.Header(h.timestampHeader(), timestamp));
        }
        if (h.nonceHeader() != null) {
            headers.add(new HttpHead.Header(h.nonceHeader(), ctx.nonce()));
        }
        if (h.signatureQuery() != null) {
            target = QueryRewrite.appendParam(target, h.signatureQuery(),
                    PercentCodec.encodeQuery(signature.getBytes(StandardCharsets.US_ASCII)));
        }
        return new InjectionResult.Applied(new HttpHead(head.method(), target, headers), null, null,
                List.copyOf(h.credentialNames()));
    }

    static InjectionResult.Applied jwt(Injection.Jwt j, HttpHead head, Credentials creds, SignContext ctx) {
        List<HttpHead.Header> headers = Injector.strip(head, Set.of("authorization"));
        RequestValues values = values(head, head.pathAndQuery(), ctx, Long.toString(ctx.now().getEpochSecond()));
        Map<String, Object> claims = new LinkedHashMap<>();
        for (Map.Entry<String, SignTemplate> c : j.claimTemplates().entrySet()) {
            claims.put(c.getKey(), new String(c.getValue().render(values, creds::bytes), StandardCharsets.UTF_8));
        }
        long iat = ctx.now().getEpochSecond();
        claims.put("iat", iat);
        if (j.notBefore()) {
            claims.put("nbf", iat);
        }
        claims.put("exp", iat + j.lifetime().toSeconds());
        Map<String, Object> header = new LinkedHashMap<>();
        SignTemplate kid = j.kidTemplate();
        if (kid != null) {
            header.put("kid", new String(kid.render(values, creds::bytes), StandardCharsets.UTF_8));
        }
        if (j.nonce()) {
            header.put("nonce", ctx.nonce());
        }
        PrivateKey key;
        try {
            key = PrivateKeys.parse(new String(creds.bytes(j.key()), StandardCharsets.UTF_8), j.algorithm());
        } catch (IllegalArgumentException e) {
            throw creds.refuse("credential " + j.key() + " for service '" + creds.service + "' is not a usable "
                    + j.algorithm().jose() + " private key: " + e.getMessage());
        }
        String token;
        try {
            token = Jwts.sign(j.algorithm(), key, header, claims);
        } catch (IllegalArgumentException e) {
            throw creds.refuse("credential " + j.key() + " for service '" + creds.service + "': " + e.getMessage());
        }
        headers.add(new HttpHead.Header("Authorization", "Bearer " + token));
        return new InjectionResult.Applied(new HttpHead(head.method(), head.pathAndQuery(), headers), null, null,
                List.copyOf(j.credentialNames()));
    }

    private static RequestValues values(HttpHead head, String target, SignContext ctx, String timestamp) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        String host = head.header("host");
        return new RequestValues(head.method(), path, query, host == null ? ctx.host() : host.strip(), timestamp, ctx.nonce(),
                ctx.body());
    }
}
