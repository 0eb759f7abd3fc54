package dev.keyway.core.aws;

import dev.keyway.core.error.KeywayException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What AWS host names say: the STS endpoint for a region, whether a string is a region, and —
 * as a fallback when a request carries no SigV4 credential scope — which service and region a host
 * such as {@code bucket.s3.eu-west-1.amazonaws.com} or {@code bedrock-runtime.us-east-1.amazonaws.com}
 * belongs to, plus the API operation of a request (for audit).
 */
public final class AwsEndpoints {
    private static final Pattern REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-\\d{1,2}$");
    private static final List<String> SUFFIXES = List.of(".amazonaws.com.cn", ".amazonaws.com", ".api.aws");
    /** Endpoint prefixes whose SigV4 signing name differs. */
    private static final Map<String, String> SIGNING_NAMES = Map.of(
            "bedrock-runtime", "bedrock",
            "bedrock-agent-runtime", "bedrock",
            "bedrock-agent", "bedrock",
            "email", "ses",
            "runtime.sagemaker", "sagemaker",
            "streams.dynamodb", "dynamodb",
            "runtime.lex", "lex");

    private AwsEndpoints() {}

    /** A service and region a request is signed for. */
    public record Scope(String service, String region) {}

    /** True for a syntactically valid region name ({@code us-east-1}, {@code us-gov-west-1}). */
    public static boolean isRegion(String s) {
        return REGION.matcher(s).matches();
    }

    /** Validates a region given to a grant (field {@code region}). */
    public static String validateRegion(String region) {
        String r = region == null ? "" : region.strip();
        if (!isRegion(r)) {
            throw KeywayException.validation("region", "'" + r + "' is not an AWS region name; use e.g. us-east-1 or eu-west-1");
        }
        return r;
    }

    /** The regional STS endpoint for a partition and region. */
    public static String stsEndpoint(String partition, String region) {
        return "https://sts." + region + (partition.equals("aws-cn") ? ".amazonaws.com.cn" : ".amazonaws.com");
    }

    /**
     * Guesses the signing scope from a host name; null when the host is not an AWS endpoint. Global
     * endpoints ({@code sts.amazonaws.com}, {@code s3.amazonaws.com}, {@code iam.amazonaws.com})
     * are in {@code us-east-1}.
     */
    public static @Nullable Scope infer(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        String rest = null;
        for (String suffix : SUFFIXES) {
            if (h.endsWith(suffix)) {
                rest = h.substring(0, h.length() - suffix.length());
                break;
            }
        }
        if (rest == null || rest.isEmpty()) {
            return null;
        }
        String[] labels = rest.split("\\.");
        String region = null;
        for (String l : labels) {
            if (isRegion(l)) {
                region = l;
            }
        }
        for (int i = 0; i < labels.length; i++) {
            String l = labels[i];
            if (l.equals("s3") || l.startsWith("s3-")) {
                if (region == null && l.startsWith("s3-") && isRegion(l.substring(3))) {
                    region = l.substring(3); // legacy s3-us-west-2.amazonaws.com
                }
                return new Scope("s3", region == null ? "us-east-1" : region);
            }
        }
        int first = labels[0].startsWith("vpce-") && labels.length > 1 ? 1 : 0; // VPC endpoint: vpce-ID.SERVICE.REGION.vpce...
        String prefix = labels[first];
        if (labels.length > first + 1 && SIGNING_NAMES.containsKey(labels[first] + "." + labels[first + 1])) {
            prefix = labels[first] + "." + labels[first + 1];
        }
        String service = SIGNING_NAMES.getOrDefault(prefix, prefix);
        if (service.equals("iam") || region == null) {
            region = "us-east-1";
        }
        return new Scope(service, region);
    }

    /**
     * The API operation of a request, where it can be told from the head alone: the JSON
     * protocols' {@code X-Amz-Target} ({@code DynamoDB_20120810.GetItem} → {@code GetItem}), the
     * query protocol's {@code Action} parameter, Bedrock runtime paths and the common S3 object and
     * bucket calls. Null when unknown (audit then shows method and path only).
     */
    public static @Nullable String operation(String service, String method, String path, @Nullable String query,
            @Nullable String amzTarget) {
        if (amzTarget != null && !amzTarget.isBlank()) {
            String t = amzTarget.strip();
            return t.substring(t.lastIndexOf('.') + 1);
        }
        String action = param(query, "Action");
        if (action != null) {
            return action;
        }
        if (service.equals("bedrock")) {
            if (path.endsWith("/invoke-with-response-stream")) {
                return "InvokeModelWithResponseStream";
            }
            if (path.endsWith("/invoke")) {
                return "InvokeModel";
            }
            if (path.endsWith("/converse-stream")) {
                return "ConverseStream";
            }
            if (path.endsWith("/converse")) {
                return "Converse";
            }
            return null;
        }
        if (service.equals("s3")) {
            return s3(method, path, query);
        }
        return null;
    }

    private static @Nullable String s3(String method, String path, @Nullable String query) {
        boolean root = path.isEmpty() || path.equals("/") || path.indexOf('/', 1) < 0 || path.indexOf('/', 1) == path.length() - 1;
        boolean uploads = query != null && query.contains("uploadId=");
        return switch (method) {
            case "GET" -> query != null && query.contains("list-type=2") ? "ListObjectsV2"
                    : path.equals("/") ? "ListBuckets" : "GetObject";
            case "HEAD" -> root ? "HeadBucket" : "HeadObject";
            case "PUT" -> uploads ? "UploadPart" : root ? "CreateBucket" : "PutObject";
            case "DELETE" -> root ? "DeleteBucket" : "DeleteObject";
            case "POST" -> query != null && query.contains("uploads") ? "CreateMultipartUpload"
                    : uploads ? "CompleteMultipartUpload" : query != null && query.contains("delete") ? "DeleteObjects" : null;
            default -> null;
        };
    }

    private static @Nullable String param(@Nullable String query, String name) {
        if (query == null) {
            return null;
        }
        for (String p : query.split("&")) {
            if (p.startsWith(name + "=")) {
                String v = new String(SigV4.percentDecode(p.substring(name.length() + 1)), java.nio.charset.StandardCharsets.UTF_8);
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }
}
