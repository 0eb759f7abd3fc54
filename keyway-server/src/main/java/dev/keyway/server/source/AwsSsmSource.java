package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code aws-ssm}: a Systems Manager Parameter Store parameter, read with
 * {@code AmazonSSM.GetParameter} over AWS JSON 1.1 (see {@link AwsJsonApi}), input
 * {@code {"Name": REF, "WithDecryption": true}} (so a {@code SecureString} is decrypted with its KMS
 * key, which the host identity needs {@code kms:Decrypt} on); the value is
 * {@code Parameter.Value} and the version {@code Parameter.Version}.
 *
 * <p>Reference: the parameter's name ({@code /path/param} or {@code param}) or ARN, optionally
 * with SSM's own selector {@code :VERSION} or {@code :LABEL}, passed through unchanged.
 */
final class AwsSsmSource implements SecretSource {
    private final String name;
    private final AwsJsonApi api;

    AwsSsmSource(String name, AwsJsonApi api) {
        this.name = name;
        this.api = api;
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        if (ref.isEmpty() || ref.length() > 2048 || !ref.matches("[A-Za-z0-9/_.\\-:]+")) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF,
                    "the reference must be a parameter name (/path/param, A-Za-z0-9/_.-) or ARN, optionally :VERSION or :LABEL");
        }
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        checkRef(ref);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("Name", ref);
        in.put("WithDecryption", true);
        JsonNode p = api.call("GetParameter", in).path("Parameter");
        JsonNode v = p.get("Value");
        if (v == null || !v.isString()) {
            throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, ref + ": the answer has no Parameter.Value");
        }
        String version = p.has("Version") ? p.path("Version").asString() : "-";
        return new Fetched(AwsJsonApi.utf8(v.asString()), version);
    }

    @Override
    public String toString() {
        return "AwsSsmSource[" + name + ", " + api.region() + ", " + api.endpoint() + "]";
    }
}
