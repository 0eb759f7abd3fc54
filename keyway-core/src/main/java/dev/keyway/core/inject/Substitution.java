package dev.keyway.core.inject;

import dev.keyway.core.service.Injection;
import dev.keyway.core.service.Surface;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The {@link Injection.Substitute} part of the {@link Injector}; see the Injector's rules. */
final class Substitution {
    /** Headers that frame or route the request: a placeholder there is never replaced. */
    private static final Set<String> NOT_SUBSTITUTED = Set.of(
            "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer");

    private Substitution() {}

    static InjectionResult apply(
            Injection.Substitute s, HttpHead head, List<HttpHead.Header> kept, Credentials creds) {
        String ph = s.placeholder();
        byte[] phBytes = ph.getBytes(StandardCharsets.UTF_8);
        String cred = s.credential();
        Set<Surface> on = s.surfaces();
        boolean used = false;

        List<HttpHead.Header> headers = kept;
        if (on.contains(Surface.HEADER)) {
            headers = new ArrayList<>(kept.size());
            for (HttpHead.Header h : kept) {
                String v = h.value();
                if (NOT_SUBSTITUTED.contains(h.name().toLowerCase(Locale.ROOT))) {
                    headers.add(h);
                    continue;
                }
                if (v.contains(ph)) {
                    v = v.replace(ph, creds.headerValue(cred));
                    used = true;
                } else if (h.name().equalsIgnoreCase("Authorization")) {
                    String basic = substituteInBasic(v, phBytes, cred, creds);
                    if (basic != null) {
                        v = basic;
                        used = true;
                    }
                }
                headers.add(v == h.value() ? h : new HttpHead.Header(h.name(), v));
            }
        }

        String target = head.pathAndQuery();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? null : target.substring(q + 1);
        if (on.contains(Surface.PATH) && path.contains(ph)) {
            path = path.replace(ph, PercentCodec.encodePathSegment(creds.bytes(cred)));
            used = true;
        }
        if (on.contains(Surface.QUERY) && query != null && query.contains(ph)) {
            query = query.replace(ph, PercentCodec.encodeQuery(creds.bytes(cred)));
            used = true;
        }
        if (used) {
            target = query == null ? path : path + "?" + query;
        }

        BodySubstitution body = null;
        if (on.contains(Surface.BODY) && hasBody(head)) {
            body = new BodySubstitution(List.of(new BodySubstitution.Rule(phBytes, creds.bytes(cred).clone())));
            used = true;
        }
        TextSubstitution ws = null;
        if (on.contains(Surface.WEBSOCKET) && isWebSocketUpgrade(head)) {
            ws = new TextSubstitution(
                    List.of(new TextSubstitution.Rule(ph, new String(creds.bytes(cred), StandardCharsets.UTF_8))));
            used = true;
        }
        return new InjectionResult.Applied(
                new HttpHead(head.method(), target, headers), body, ws, used ? List.copyOf(s.credentialNames()) : List.of());
    }

    /**
     * {@code Basic base64(user:pass)} with the placeholder inside the decoded bytes: substitute and
     * re-encode. Null when the value is not Basic, not valid base64, or holds no placeholder.
     */
    private static @Nullable String substituteInBasic(String value, byte[] ph, String cred, Credentials creds) {
        if (value.length() < 7 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String encoded = value.substring(6).strip();
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return null;
        }
        try {
            if (BodySubstitution.indexOf(decoded, ph) < 0) {
                return null;
            }
            byte[] replaced = replaceAll(decoded, ph, creds.bytes(cred));
            try {
                return value.substring(0, 6) + Base64.getEncoder().encodeToString(replaced);
            } finally {
                Arrays.fill(replaced, (byte) 0);
            }
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private static byte[] replaceAll(byte[] data, byte[] ph, byte[] value) {
        BodySubstitution sub = new BodySubstitution(List.of(new BodySubstitution.Rule(ph, value.clone())));
        byte[] head = sub.update(data);
        byte[] tail = sub.finish();
        byte[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        Arrays.fill(head, (byte) 0);
        Arrays.fill(tail, (byte) 0);
        return out;
    }

    /** HTTP/1.1 framing (RFC 9112 §6.3): a request has a body only with Transfer-Encoding or Content-Length. */
    static boolean hasBody(HttpHead head) {
        if (head.header("Transfer-Encoding") != null) {
            return true;
        }
        String length = head.header("Content-Length");
        return length != null && !length.strip().equals("0");
    }

    static boolean isWebSocketUpgrade(HttpHead head) {
        String upgrade = head.header("Upgrade");
        if (upgrade == null) {
            return false;
        }
        for (String token : upgrade.split(",")) {
            if (token.strip().toLowerCase(Locale.ROOT).startsWith("websocket")) {
                return true;
            }
        }
        return false;
    }
}
