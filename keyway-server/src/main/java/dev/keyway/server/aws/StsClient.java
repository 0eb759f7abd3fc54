package dev.keyway.server.aws;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.AwsEndpoints;
import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jspecify.annotations.Nullable;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * A minimal STS client: {@code AssumeRole} and {@code AssumeRoleWithWebIdentity} as AWS
 * Query-protocol form POSTs, signed with Keyway's own SigV4
 * signer, answers parsed from the XML. The endpoint is the regional one
 * ({@code https://sts.REGION.amazonaws.com}) unless {@code AWS_ENDPOINT_URL_STS} or
 * {@code AWS_ENDPOINT_URL} overrides it (how tests point Keyway at a local fake STS).
 */
public final class StsClient {
    static final String VERSION = "2011-06-15";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Set<String> CREDENTIAL_ERRORS = Set.of("InvalidClientTokenId", "SignatureDoesNotMatch",
            "ExpiredToken", "IncompleteSignature", "MissingAuthenticationToken", "InvalidAccessKeyId",
            "UnrecognizedClientException", "ExpiredTokenException", "InvalidIdentityToken");

    private final AwsEnv env;
    private final AwsHttp http;
    private final Clock clock;

    public StsClient(AwsEnv env, AwsHttp http, Clock clock) {
        this.env = env;
        this.http = http;
        this.clock = clock;
    }

    /**
     * One AssumeRole call.
     *
     * @param sessionName shown in CloudTrail as the session; sanitized to STS's alphabet
     * @param policy an inline session policy (JSON) or null
     */
    public record AssumeRoleCall(String roleArn, String partition, String region, String sessionName, Duration duration,
            @Nullable String externalId, @Nullable String policy, Map<String, String> tags) {
        public AssumeRoleCall {
            tags = Map.copyOf(tags);
        }

        public AssumeRoleCall(String roleArn, String partition, String region, String sessionName, Duration duration,
                @Nullable String externalId, @Nullable String policy) {
            this(roleArn, partition, region, sessionName, duration, externalId, policy, Map.of());
        }
    }

    /** Temporary credentials and the session's ARN ({@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}). */
    public record Assumed(AwsCredentials credentials, String assumedRoleArn) {
        @Override
        public String toString() {
            return "Assumed[" + assumedRoleArn + "]";
        }
    }

    /** The endpoint Keyway calls for a region (override variables first). */
    public URI endpoint(String partition, String region) {
        String override = env.get("AWS_ENDPOINT_URL_STS");
        if (override == null) {
            override = env.get("AWS_ENDPOINT_URL");
        }
        String base = override != null ? override : AwsEndpoints.stsEndpoint(partition, region);
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/");
    }

    public Assumed assumeRole(AwsCredentials host, AssumeRoleCall call) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Action", "AssumeRole");
        form.put("Version", VERSION);
        form.put("RoleArn", call.roleArn());
        form.put("RoleSessionName", sessionName(call.sessionName()));
        form.put("DurationSeconds", Long.toString(call.duration().toSeconds()));
        if (call.externalId() != null) {
            form.put("ExternalId", call.externalId());
        }
        if (call.policy() != null) {
            form.put("Policy", call.policy());
        }
        int n = 0;
        for (Map.Entry<String, String> t : new java.util.TreeMap<>(call.tags()).entrySet()) {
            n++;
            form.put("Tags.member." + n + ".Key", t.getKey());
            form.put("Tags.member." + n + ".Value", t.getValue());
        }
        Document d = post(call.partition(), call.region(), form, host);
        return assumed(d, "AssumeRole");
    }

    /** {@code AssumeRoleWithWebIdentity} (unsigned: the token is the credential). */
    public Assumed assumeRoleWithWebIdentity(String roleArn, String sessionName, String token, String region) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Action", "AssumeRoleWithWebIdentity");
        form.put("Version", VERSION);
        form.put("RoleArn", roleArn);
        form.put("RoleSessionName", sessionName(sessionName));
        form.put("WebIdentityToken", token);
        String partition = roleArn.startsWith("arn:aws-cn:") ? "aws-cn" : roleArn.startsWith("arn:aws-us-gov:") ? "aws-us-gov" : "aws";
        return assumed(post(partition, region, form, null), "AssumeRoleWithWebIdentity");
    }

    private Document post(String partition, String region, Map<String, String> form, @Nullable AwsCredentials signWith) {
        URI uri = endpoint(partition, region);
        String body = formBody(form);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        String contentType = "application/x-www-form-urlencoded; charset=utf-8";
        if (signWith == null) {
            b.header("Content-Type", contentType);
        } else {
            List<SigV4Signer.Header> headers = List.of(new SigV4Signer.Header("Host", AwsHttp.hostHeader(uri)),
                    new SigV4Signer.Header("Content-Type", contentType));
            SigV4Signer.Signed s = SigV4Signer.sign(new SigV4Signer.Request("POST", uri.getRawPath(), headers,
                    SigV4.sha256Hex(body.getBytes(StandardCharsets.UTF_8))), signWith, region, "sts", clock.instant(),
                    SigV4Signer.ALL_HEADERS);
            for (SigV4Signer.Header h : s.headers()) {
                if (!h.name().equalsIgnoreCase("host")) {
                    b.header(h.name(), h.value());
                }
            }
        }
        HttpResponse<String> r = http.send(b.build());
        Document d = parse(r.body(), uri);
        if (r.statusCode() != 200 || d == null) {
            throw error(r.statusCode(), d, uri, form.get("Action"));
        }
        return d;
    }

    private static Assumed assumed(Document d, String action) {
        String akid = text(d, "AccessKeyId");
        String secret = text(d, "SecretAccessKey");
        String token = text(d, "SessionToken");
        String expiration = text(d, "Expiration");
        String arn = text(d, "Arn");
        if (akid == null || secret == null || token == null || expiration == null) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "STS " + action + " answered 200 without credentials");
        }
        Instant exp;
        try {
            exp = Instant.parse(expiration);
        } catch (RuntimeException e) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "STS " + action + " sent an unreadable Expiration");
        }
        return new Assumed(new AwsCredentials(akid, secret, token, exp), arn == null ? "?" : arn);
    }

    private static AwsFailure error(int status, @Nullable Document d, URI uri, @Nullable String action) {
        String code = d == null ? null : text(d, "Code");
        String message = d == null ? null : text(d, "Message");
        String what = "STS " + action + " at " + uri.getScheme() + "://" + uri.getRawAuthority() + " answered HTTP " + status
                + (code == null ? "" : " " + code) + (message == null ? "" : ": " + message);
        AwsFailure.Kind kind;
        if (code != null && CREDENTIAL_ERRORS.contains(code)) {
            kind = AwsFailure.Kind.HOST_CREDENTIALS_REJECTED;
        } else if ("AccessDenied".equals(code)) {
            kind = AwsFailure.Kind.ACCESS_DENIED;
        } else if (status >= 500 || status == 429 || "Throttling".equals(code) || code == null) {
            kind = AwsFailure.Kind.UNREACHABLE;
        } else {
            kind = AwsFailure.Kind.INVALID_REQUEST;
        }
        return new AwsFailure(kind, code, what);
    }

    private static @Nullable Document parse(String body, URI uri) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "STS at " + uri.getScheme() + "://" + uri.getRawAuthority()
                    + " answered something that is not XML");
        }
    }

    private static @Nullable String text(@Nullable Document d, String tag) {
        if (d == null) {
            return null;
        }
        NodeList n = d.getElementsByTagName(tag);
        if (n.getLength() == 0) {
            return null;
        }
        String t = n.item(0).getTextContent();
        return t == null || t.isBlank() ? null : t.strip();
    }

    static String formBody(Map<String, String> form) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : form.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        return sb.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    /** STS allows {@code [\w+=,.@-]}, 2 to 64 characters; anything else becomes '-'. */
    static String sessionName(String wanted) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < wanted.length() && sb.length() < 64; i++) {
            char c = wanted.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "_+=,.@-".indexOf(c) >= 0;
            sb.append(ok ? c : '-');
        }
        while (sb.length() < 2) {
            sb.append('-');
        }
        return sb.toString();
    }
}
