package dev.keyway.server.source;

import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import dev.keyway.core.aws.SigV4Verifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local AWS Secrets Manager and Systems Manager Parameter Store endpoint speaking the AWS JSON 1.1
 * protocol as AWS's public API references describe it:
 * <ul>
 *   <li>"AWS Secrets Manager API Reference", GetSecretValue: {@code POST /},
 *       {@code X-Amz-Target: secretsmanager.GetSecretValue},
 *       {@code Content-Type: application/x-amz-json-1.1}, input {@code SecretId} (name or ARN),
 *       {@code VersionId}, {@code VersionStage} (default {@code AWSCURRENT}); output {@code ARN},
 *       {@code Name}, {@code VersionId}, {@code SecretString} or {@code SecretBinary},
 *       {@code VersionStages}, {@code CreatedDate}; errors {@code ResourceNotFoundException}
 *       ("Secrets Manager can't find the specified secret."), {@code AccessDeniedException},
 *       {@code InternalServiceError} (500);</li>
 *   <li>"AWS Systems Manager API Reference", GetParameter: {@code X-Amz-Target:
 *       AmazonSSM.GetParameter}, input {@code Name}, {@code WithDecryption}; output
 *       {@code Parameter} ({@code Name}, {@code Type}, {@code Value}, {@code Version}, {@code ARN},
 *       {@code DataType}); errors {@code ParameterNotFound}, {@code InternalServerError} (500);</li>
 *   <li>"Common Errors" of both: {@code UnrecognizedClientException} (unknown access key),
 *       {@code InvalidSignatureException} (bad signature), {@code ThrottlingException} ("Rate
 *       exceeded"), all HTTP 400 with body {@code {"__type": CODE, "message": TEXT}} and header
 *       {@code x-amzn-ErrorType}. A SecureString read without {@code WithDecryption} returns the
 *       ciphertext, so the fake answers one that way too.</li>
 * </ul>
 * Signatures are verified with {@link SigV4Verifier} (region and service from the scope must be the
 * ones expected). Every request is recorded before it is answered.
 */
public final class FakeAwsSecrets implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    public static final String KEY_ID = "AKIDFAKESECRETS0001";
    public static final String SECRET_KEY = "fake-secrets-host-secret-key";

    /** One recorded call: the target, the JSON input, the signing scope's service and region. */
    public record Seen(String target, JsonNode input, String service, String region, String contentType) {}

    public final MockWebServer server = new MockWebServer();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** secret name -> stage -> (versionId, SecretString). */
    private final Map<String, Map<String, String[]>> secrets = new ConcurrentHashMap<>();
    private final Map<String, String> binary = new ConcurrentHashMap<>();
    /** parameter name -> (value, version). */
    private final Map<String, Object[]> parameters = new ConcurrentHashMap<>();
    /** Error code -> forced for every call: "ThrottlingException", "AccessDeniedException", "InternalServiceError". */
    public volatile String forcedError = "";
    /** More access keys it accepts (e.g. the sessions a FakeSts issued: an assumed role's credentials). */
    public volatile Map<String, String> moreKeys = Map.of();
    /** The access key id of each validly signed call, recorded before answering. */
    public final List<String> signedWith = new CopyOnWriteArrayList<>();
    private final String region;

    public FakeAwsSecrets(String region) throws IOException {
        this.region = region;
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return answer(r);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    public void putSecret(String name, String stage, String versionId, String value) {
        secrets.computeIfAbsent(name, k -> new ConcurrentHashMap<>()).put(stage, new String[] {versionId, value});
    }

    public void putBinary(String name, String base64) {
        binary.put(name, base64);
    }

    public void putParameter(String name, String value, long version) {
        parameters.put(name, new Object[] {value, version});
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    private MockResponse answer(RecordedRequest r) {
        byte[] body = r.getBody() == null ? new byte[0] : r.getBody().toByteArray();
        List<SigV4Signer.Header> headers = new ArrayList<>();
        for (int i = 0; i < r.getHeaders().size(); i++) {
            headers.add(new SigV4Signer.Header(r.getHeaders().name(i), r.getHeaders().value(i)));
        }
        String target = r.getHeaders().get("X-Amz-Target");
        String ct = r.getHeaders().get("Content-Type");
        JsonNode input;
        try {
            input = JSON.readTree(body);
        } catch (RuntimeException e) {
            input = JSON.createObjectNode();
        }
        SigV4Verifier.Result v = SigV4Verifier.verify(new SigV4Signer.Request(r.getMethod(), r.getTarget(), headers,
                SigV4.sha256Hex(body)), k -> k.equals(KEY_ID) ? SECRET_KEY : moreKeys.get(k));
        if (v instanceof SigV4Verifier.Result.Valid ok) {
            signedWith.add(ok.auth().accessKeyId());
        }
        String service = v instanceof SigV4Verifier.Result.Valid ok ? ok.auth().service() : "";
        String scopeRegion = v instanceof SigV4Verifier.Result.Valid ok ? ok.auth().region() : "";
        seen.add(new Seen(target == null ? "" : target, input, service, scopeRegion, ct == null ? "" : ct));
        if (v instanceof SigV4Verifier.Result.Invalid bad) {
            return switch (bad.code()) {
                case "InvalidClientTokenId" -> error(400, "UnrecognizedClientException",
                        "The security token included in the request is invalid.");
                case "SignatureDoesNotMatch" -> error(400, "InvalidSignatureException", "The request signature we calculated "
                        + "does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
                case "MissingAuthenticationToken" -> error(400, "MissingAuthenticationTokenException",
                        "Missing Authentication Token");
                default -> error(400, "IncompleteSignatureException", bad.message());
            };
        }
        if (!"POST".equals(r.getMethod()) || !"/".equals(r.getTarget()) || ct == null
                || !ct.startsWith("application/x-amz-json-1.1")) {
            return error(404, "UnknownOperationException", null);
        }
        boolean sm = "secretsmanager.GetSecretValue".equals(target);
        boolean ssm = "AmazonSSM.GetParameter".equals(target);
        if (!sm && !ssm || !scopeRegion.equals(region) || !service.equals(sm ? "secretsmanager" : "ssm")) {
            return error(400, sm || ssm ? "InvalidSignatureException" : "UnknownOperationException",
                    sm || ssm ? "Credential should be scoped to a valid region and the correct service." : null);
        }
        switch (forcedError) {
            case "ThrottlingException" -> {
                return error(400, "ThrottlingException", "Rate exceeded");
            }
            case "AccessDeniedException" -> {
                return error(400, "AccessDeniedException", "User: arn:aws:iam::111122223333:user/keyway is not authorized "
                        + "to perform: " + (sm ? "secretsmanager:GetSecretValue" : "ssm:GetParameter") + " on resource: "
                        + (sm ? input.path("SecretId").asString("") : input.path("Name").asString(""))
                        + " because no identity-based policy allows the action");
            }
            case "InternalServiceError" -> {
                return sm ? error(500, "InternalServiceError", "An error occurred on the server side.")
                        : error(500, "InternalServerError", "An error occurred on the server side.");
            }
            default -> { }
        }
        return sm ? getSecretValue(input) : getParameter(input);
    }

    private MockResponse getSecretValue(JsonNode in) {
        String id = in.path("SecretId").asString("");
        String name = id.startsWith("arn:") ? id.substring(id.lastIndexOf(':') + 1).replaceAll("-[A-Za-z0-9]{6}$", "") : id;
        String b = binary.get(name);
        Map<String, String[]> stages = secrets.get(name);
        if (stages == null && b == null) {
            return error(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("ARN", "arn:aws:secretsmanager:" + region + ":111122223333:secret:" + name + "-a1b2c3");
        out.put("Name", name);
        out.put("CreatedDate", 1.523477145713E9);
        if (b != null) {
            out.put("VersionId", "binary-v1");
            out.put("SecretBinary", b);
            out.putArray("VersionStages").add("AWSCURRENT");
            return json(200, out.toString());
        }
        String stage = in.path("VersionStage").asString("AWSCURRENT");
        String[] v = null;
        if (in.hasNonNull("VersionId")) {
            for (Map.Entry<String, String[]> e : stages.entrySet()) {
                if (e.getValue()[0].equals(in.path("VersionId").asString())) {
                    v = e.getValue();
                    stage = e.getKey();
                }
            }
        } else {
            v = stages.get(stage);
        }
        if (v == null) {
            return error(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for "
                    + (in.hasNonNull("VersionId") ? "VersionId: " + in.path("VersionId").asString() : "staging label: " + stage));
        }
        out.put("VersionId", v[0]);
        out.put("SecretString", v[1]);
        out.putArray("VersionStages").add(stage);
        return json(200, out.toString());
    }

    private MockResponse getParameter(JsonNode in) {
        String name = in.path("Name").asString("");
        Object[] p = parameters.get(name);
        if (p == null) {
            return error(400, "ParameterNotFound", null);
        }
        ObjectNode out = JSON.createObjectNode();
        ObjectNode param = out.putObject("Parameter");
        param.put("ARN", "arn:aws:ssm:" + region + ":111122223333:parameter" + (name.startsWith("/") ? name : "/" + name));
        param.put("DataType", "text");
        param.put("LastModifiedDate", 1.582657288322E9);
        param.put("Name", name);
        param.put("Type", "SecureString");
        param.put("Value", in.path("WithDecryption").asBoolean(false) ? (String) p[0]
                : "AQICAHhEncryptedCiphertextBlobBase64==");
        param.put("Version", (Long) p[1]);
        return json(200, out.toString());
    }

    private static MockResponse error(int status, String code, String message) {
        ObjectNode b = JSON.createObjectNode();
        b.put("__type", code);
        if (message != null) {
            b.put("message", message);
        }
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/x-amz-json-1.1")
                .setHeader("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/com.amazonaws.secretsmanager/")
                .body(b.toString()).build();
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/x-amz-json-1.1").body(body).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
