package dev.keyway.server.source;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.aws.AwsFailure;
import dev.keyway.server.aws.AwsHttp;
import dev.keyway.server.http.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One AWS service spoken over the AWS JSON 1.1 protocol, as the AWS sources need it: {@code POST /}
 * with {@code Content-Type: application/x-amz-json-1.1} and {@code X-Amz-Target: PREFIX.Operation},
 * signed with Keyway's own {@link SigV4Signer} (every header sent is signed) using the server's host
 * credentials, sent through {@link AwsHttp} (the server's CA bundle and upstream proxy rules).
 *
 * <p>Errors follow the protocol: the code is the {@code x-amzn-ErrorType} header or the body's
 * {@code __type} (either may carry a {@code prefix#} or {@code :uri} decoration), the text is the
 * body's {@code message}/{@code Message}. {@link #failure} maps them to {@link SourceFailure.Kind}s:
 * credential and permission errors to auth, missing resources to not-found, throttling to throttled,
 * 5xx to unavailable. AWS's messages name ARNs and actions, never a secret value.
 */
final class AwsJsonApi {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_BODY = 1024 * 1024;

    private static final Set<String> AUTH = Set.of("AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
            "InvalidSignatureException", "IncompleteSignatureException", "IncompleteSignature", "ExpiredTokenException",
            "ExpiredToken", "MissingAuthenticationTokenException", "MissingAuthenticationToken", "InvalidClientTokenId",
            "SignatureDoesNotMatch", "DecryptionFailure", "InvalidKeyId");
    private static final Set<String> THROTTLED = Set.of("ThrottlingException", "Throttling", "TooManyRequestsException",
            "RequestLimitExceeded", "ThrottledException");
    private static final Set<String> BAD_REF = Set.of("ValidationException", "InvalidParameterException", "InvalidParameterValue");

    /** The operation's answer: HTTP status, the parsed JSON body, AWS's error code (null on success). */
    record Answer(int status, JsonNode body, @Nullable String code, @Nullable Duration retryAfter) {}

    private final String service;
    private final String signingName;
    private final String targetPrefix;
    private final URI endpoint;
    private final String region;
    private final Supplier<AwsCredentials> credentials;
    private final AwsHttp http;
    private final Clock clock;

    /**
     * @param service the name used in messages ("AWS Secrets Manager")
     * @param signingName the SigV4 service name ({@code secretsmanager}, {@code ssm})
     * @param targetPrefix the {@code X-Amz-Target} prefix ({@code secretsmanager}, {@code AmazonSSM})
     * @param credentials the host credential chain; may throw {@link AwsFailure}
     */
    AwsJsonApi(String service, String signingName, String targetPrefix, URI endpoint, String region,
            Supplier<AwsCredentials> credentials, AwsHttp http, Clock clock) {
        this.service = service;
        this.signingName = signingName;
        this.targetPrefix = targetPrefix;
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.http = http;
        this.clock = clock;
    }

    /** The endpoint: {@code override} (a setting or an {@code AWS_ENDPOINT_URL_*} variable) or the regional default. */
    static URI endpoint(@Nullable String override, String signingName, String region) {
        String base = override != null ? override
                : "https://" + signingName + "." + region + (region.startsWith("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com");
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/");
    }

    URI endpoint() {
        return endpoint;
    }

    String region() {
        return region;
    }

    /** Calls {@code operation} with {@code input}; a 200 answer is returned, anything else thrown as a precise failure. */
    JsonNode call(String operation, Map<String, Object> input) throws SourceFailure {
        AwsCredentials c;
        try {
            c = credentials.get();
        } catch (AwsFailure e) {
            throw new SourceFailure(e.kind() == AwsFailure.Kind.UNREACHABLE ? SourceFailure.Kind.UNAVAILABLE : SourceFailure.Kind.AUTH,
                    "no AWS credentials for " + service + ": " + e.getMessage());
        }
        byte[] body = Json.write(input);
        String target = targetPrefix + "." + operation;
        List<SigV4Signer.Header> headers = List.of(new SigV4Signer.Header("Host", AwsHttp.hostHeader(endpoint)),
                new SigV4Signer.Header("Content-Type", "application/x-amz-json-1.1"),
                new SigV4Signer.Header("X-Amz-Target", target));
        SigV4Signer.Signed s = SigV4Signer.sign(new SigV4Signer.Request("POST", endpoint.getRawPath(), headers,
                SigV4.sha256Hex(body)), c, region, signingName, clock.instant(), SigV4Signer.ALL_HEADERS);
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (SigV4Signer.Header h : s.headers()) {
            if (!h.name().equalsIgnoreCase("host")) {
                b.header(h.name(), h.value());
            }
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build());
        } catch (AwsFailure e) {
            String m = String.valueOf(e.getMessage());
            throw new SourceFailure(m.contains("TLS failed") ? SourceFailure.Kind.TLS : SourceFailure.Kind.UNAVAILABLE,
                    service + " " + operation + ": " + m);
        }
        String text = r.body() == null ? "" : r.body();
        if (text.length() > MAX_BODY) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, service + " answered more than " + MAX_BODY + " bytes");
        }
        JsonNode json;
        try {
            json = text.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(text);
        } catch (RuntimeException e) {
            json = Json.MAPPER.createObjectNode();
        }
        if (r.statusCode() == 200) {
            return json;
        }
        String code = code(r.headers().firstValue("x-amzn-ErrorType").orElse(null), json);
        Duration retry = r.headers().firstValue("Retry-After").map(SourceHttp::retryAfter).orElse(null);
        throw failure(service + " " + operation, new Answer(r.statusCode(), json, code, retry));
    }

    /** The error code of a JSON 1.1 error answer, without its {@code prefix#} or {@code :uri} decoration. */
    static @Nullable String code(@Nullable String header, JsonNode body) {
        String raw = header != null && !header.isBlank() ? header : body.path("__type").asString("");
        if (raw == null || raw.isBlank()) {
            return null;
        }
        int colon = raw.indexOf(':');
        if (colon >= 0) {
            raw = raw.substring(0, colon);
        }
        int hash = raw.lastIndexOf('#');
        return raw.substring(hash + 1).strip();
    }

    /** The pure mapping of an error answer to a failure (table-tested). */
    static SourceFailure failure(String what, Answer a) {
        String code = a.code();
        String message = a.body().path("message").asString(a.body().path("Message").asString(""));
        String text = what + ": HTTP " + a.status() + (code == null ? "" : " " + code) + clean(message);
        SourceFailure.Kind kind;
        if (code != null && AUTH.contains(code)) {
            kind = SourceFailure.Kind.AUTH;
        } else if (code != null && THROTTLED.contains(code) || a.status() == 429) {
            kind = SourceFailure.Kind.THROTTLED;
        } else if (code != null && (code.equals("ResourceNotFoundException") || code.startsWith("ParameterNotFound")
                || code.startsWith("ParameterVersionNotFound") || code.equals("InvalidRequestException"))) {
            kind = SourceFailure.Kind.NOT_FOUND;
        } else if (code != null && BAD_REF.contains(code)) {
            kind = SourceFailure.Kind.BAD_REF;
        } else if (a.status() == 401 || a.status() == 403) {
            kind = SourceFailure.Kind.AUTH;
        } else if (a.status() == 404) {
            kind = SourceFailure.Kind.NOT_FOUND;
        } else {
            kind = SourceFailure.Kind.UNAVAILABLE;
        }
        return new SourceFailure(kind, text, a.retryAfter());
    }

    private static String clean(String m) {
        String s = m.replaceAll("\\p{Cntrl}", " ").strip();
        if (s.isEmpty()) {
            return "";
        }
        return " (" + (s.length() > 300 ? s.substring(0, 300) + "..." : s) + ")";
    }


    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
