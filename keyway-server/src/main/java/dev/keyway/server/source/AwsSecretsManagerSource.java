package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code aws-secrets-manager}: {@code secretsmanager.GetSecretValue} over AWS JSON 1.1 (see
 * {@link AwsJsonApi}), input {@code {"SecretId": NAME_OR_ARN, "VersionStage"|"VersionId": ...}},
 * the value is {@code SecretString} (or the base64-decoded {@code SecretBinary}) and the version
 * {@code VersionId}.
 *
 * <p>Reference: {@code NAME_OR_ARN[#JSON_KEY][?version-stage=STAGE|?version-id=ID]}. With
 * {@code #JSON_KEY} the secret string must be a JSON object (as the console's key/value secrets
 * are) and the value is that key's (string, number or boolean) value. Secret names use
 * {@code A-Za-z0-9/_+=.@-} and ARNs add {@code :}, so {@code #} and {@code ?} are unambiguous.
 */
final class AwsSecretsManagerSource implements SecretSource {
    /** A parsed reference. */
    record Ref(String secretId, @Nullable String jsonKey, @Nullable String versionStage, @Nullable String versionId) {
        static Ref parse(String ref) throws SourceFailure {
            if (ref.isBlank() || ref.length() > 2048 || ref.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw bad("the reference must be NAME_OR_ARN[#JSON_KEY][?version-stage=STAGE|?version-id=ID] without spaces");
            }
            String rest = ref;
            String stage = null;
            String versionId = null;
            int q = rest.indexOf('?');
            if (q >= 0) {
                String query = rest.substring(q + 1);
                rest = rest.substring(0, q);
                int eq = query.indexOf('=');
                String k = eq < 0 ? query : query.substring(0, eq);
                String v = eq < 0 ? "" : query.substring(eq + 1);
                if (v.isEmpty() || v.length() > 256 || v.contains("&") || v.contains("#") || v.contains("?")) {
                    throw bad("expected one ?version-stage=STAGE or ?version-id=ID");
                }
                switch (k) {
                    case "version-stage" -> stage = v;
                    case "version-id" -> versionId = v;
                    default -> throw bad("unknown parameter '" + k + "' (version-stage or version-id)");
                }
            }
            String key = null;
            int h = rest.indexOf('#');
            if (h >= 0) {
                key = rest.substring(h + 1);
                rest = rest.substring(0, h);
                if (key.isEmpty() || key.contains("#")) {
                    throw bad("the JSON key after '#' must be non-empty");
                }
            }
            if (rest.isEmpty() || !rest.matches("[A-Za-z0-9/_+=.@:\\-]+")) {
                throw bad("the secret must be a name (A-Za-z0-9/_+=.@-) or an ARN");
            }
            return new Ref(rest, key, stage, versionId);
        }

        private static SourceFailure bad(String m) {
            return new SourceFailure(SourceFailure.Kind.BAD_REF, m);
        }
    }

    private final String name;
    private final AwsJsonApi api;

    AwsSecretsManagerSource(String name, AwsJsonApi api) {
        this.name = name;
        this.api = api;
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        Ref.parse(ref);
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        Ref r = Ref.parse(ref);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("SecretId", r.secretId());
        if (r.versionStage() != null) {
            in.put("VersionStage", r.versionStage());
        }
        if (r.versionId() != null) {
            in.put("VersionId", r.versionId());
        }
        JsonNode out = api.call("GetSecretValue", in);
        String version = out.path("VersionId").asString("-");
        JsonNode string = out.get("SecretString");
        if (string == null || string.isNull()) {
            JsonNode binary = out.get("SecretBinary");
            if (binary == null || !binary.isString()) {
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, r.secretId() + " has neither SecretString nor SecretBinary");
            }
            if (r.jsonKey() != null) {
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, r.secretId() + " is a binary secret: no #JSON_KEY");
            }
            try {
                return new Fetched(Base64.getDecoder().decode(binary.asString()), version);
            } catch (IllegalArgumentException e) {
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, r.secretId() + ": SecretBinary is not base64");
            }
        }
        if (!string.isString()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, r.secretId() + ": SecretString is not a string");
        }
        if (r.jsonKey() == null) {
            return new Fetched(AwsJsonApi.utf8(string.asString()), version);
        }
        JsonNode doc;
        try {
            doc = dev.keyway.server.http.Json.MAPPER.readTree(string.asString());
        } catch (RuntimeException e) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, r.secretId() + " is not a JSON object, so it has no key '"
                    + r.jsonKey() + "'");
        }
        if (!doc.isObject()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, r.secretId() + " is not a JSON object, so it has no key '"
                    + r.jsonKey() + "'");
        }
        JsonNode v = doc.get(r.jsonKey());
        if (v == null || v.isNull()) {
            throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, r.secretId() + " has no key '" + r.jsonKey() + "'");
        }
        if (v.isObject() || v.isArray()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, "key '" + r.jsonKey() + "' of " + r.secretId() + " is not a string");
        }
        return new Fetched(AwsJsonApi.utf8(v.asString()), version);
    }

    @Override
    public String toString() {
        return "AwsSecretsManagerSource[" + name + ", " + api.region() + ", " + api.endpoint() + "]";
    }
}
