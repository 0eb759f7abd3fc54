package dev.keyway.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Credential scope parsing, host rules, host → scope inference, operations, credential_process JSON. */
class AwsRequestPartsTest {

    @Test
    void parsesTheCredentialScopeOfAClientsAuthorizationHeader() {
        AwsAuthorization a = AwsAuthorization.parse("AWS4-HMAC-SHA256 Credential=AKIAKEYWAYPLACEHOLD1/20250101/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=abcdef0123");
        assertThat(a).isNotNull();
        assertThat(a.accessKeyId()).isEqualTo("AKIAKEYWAYPLACEHOLD1");
        assertThat(a.date()).isEqualTo("20250101");
        assertThat(a.region()).isEqualTo("us-east-1");
        assertThat(a.service()).isEqualTo("s3");
        assertThat(a.signedHeaders()).containsExactly("host", "x-amz-content-sha256", "x-amz-date");
        assertThat(a.signature()).isEqualTo("abcdef0123");
        assertThat(a.scope()).isEqualTo("20250101/us-east-1/s3/aws4_request");
        assertThat(AwsAuthorization.parse("AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/bedrock/aws4_request,SignedHeaders=host,"
                + "Signature=00")).extracting(AwsAuthorization::region, AwsAuthorization::service).containsExactly("eu-west-1", "bedrock");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "Bearer abc",
        "AWS AKID:signature",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/2025011/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us east/s3/aws4_request, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"
    })
    void otherAuthorizationSchemesAndMalformedScopesAreNotSigV4(String header) {
        assertThat(AwsAuthorization.parse(header)).isNull();
    }

    @ParameterizedTest(name = "{0} covers {1}:{2} = {3}")
    @CsvSource(textBlock = """
            *.amazonaws.com,   sts.amazonaws.com,                     443,  true
            *.amazonaws.com,   bucket.s3.us-east-1.amazonaws.com,     443,  true
            *.amazonaws.com,   amazonaws.com,                         443,  false
            *.amazonaws.com,   evilamazonaws.com,                     443,  false
            *.amazonaws.com,   sts.amazonaws.com.evil.example,        443,  false
            *.api.aws,         dynamodb.us-east-1.api.aws,            443,  true
            minio.local:9000,  minio.local,                           9000, true
            minio.local:9000,  minio.local,                           443,  false
            MinIO.Local,       minio.local,                           8443, true
            127.0.0.1,         127.0.0.1,                             4566, true
            [::1]:9000,        ::1,                                   9000, true
            *.amazonaws.com.,  s3.amazonaws.com.,                     443,  true
            """)
    void hostRulesMatchExactNamesAndSuffixesOfAnyDepth(String rule, String host, int port, boolean matches) {
        assertThat(AwsHostRule.parse(rule).matches(host, port)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            *                      | matches everything
            *.com                  | covers a whole top-level domain
            https://s3.amazonaws.com | without scheme or path
            s3.amazonaws.com/x     | without scheme or path
            a..b                   | empty or over-long label
            a_b.example.com        | not allowed in a host name
            *.*.example.com        | not allowed in a host name
            example.com:0          | port outside 1-65535
            example.com:x          | port outside 1-65535
            """)
    void badHostRulesAreRefused(String rule, String message) {
        assertThatThrownBy(() -> AwsHostRule.parse(rule)).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(textBlock = """
            sts.amazonaws.com,                                  sts,       us-east-1
            sts.eu-west-1.amazonaws.com,                        sts,       eu-west-1
            s3.amazonaws.com,                                   s3,        us-east-1
            my-bucket.s3.amazonaws.com,                         s3,        us-east-1
            my-bucket.s3.eu-central-1.amazonaws.com,            s3,        eu-central-1
            s3.dualstack.us-west-2.amazonaws.com,               s3,        us-west-2
            s3-us-west-2.amazonaws.com,                         s3,        us-west-2
            dynamodb.us-east-1.amazonaws.com,                   dynamodb,  us-east-1
            dynamodb.us-east-1.api.aws,                         dynamodb,  us-east-1
            bedrock-runtime.us-west-2.amazonaws.com,            bedrock,   us-west-2
            iam.amazonaws.com,                                  iam,       us-east-1
            runtime.sagemaker.eu-west-1.amazonaws.com,          sagemaker, eu-west-1
            sts.cn-north-1.amazonaws.com.cn,                    sts,       cn-north-1
            vpce-0123.sts.us-east-1.vpce.amazonaws.com,         sts,       us-east-1
            """)
    void infersServiceAndRegionFromAwsHostNames(String host, String service, String region) {
        assertThat(AwsEndpoints.infer(host)).isEqualTo(new AwsEndpoints.Scope(service, region));
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "localhost", "amazonaws.com", "s3.example.com"})
    void nonAwsHostsHaveNoScope(String host) {
        assertThat(AwsEndpoints.infer(host)).isNull();
    }

    @ParameterizedTest(name = "{0} {1} {2}?{3} -> {5}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            dynamodb | POST   | /                                       | -                         | DynamoDB_20120810.GetItem | GetItem
            sts      | POST   | /                                       | Action=GetCallerIdentity  | -                         | GetCallerIdentity
            sts      | GET    | /                                       | Version=2011-06-15&Action=AssumeRole | -          | AssumeRole
            bedrock  | POST   | /model/anthropic.claude/invoke          | -                         | -                         | InvokeModel
            bedrock  | POST   | /model/x/invoke-with-response-stream    | -                         | -                         | InvokeModelWithResponseStream
            bedrock  | POST   | /model/x/converse                       | -                         | -                         | Converse
            s3       | GET    | /bucket                                 | list-type=2&prefix=a      | -                         | ListObjectsV2
            s3       | GET    | /bucket/key.txt                         | -                         | -                         | GetObject
            s3       | PUT    | /bucket/key.txt                         | -                         | -                         | PutObject
            s3       | DELETE | /bucket/key.txt                         | -                         | -                         | DeleteObject
            s3       | GET    | /                                       | -                         | -                         | ListBuckets
            lambda   | GET    | /2015-03-31/functions                   | -                         | -                         | -
            """)
    void operationsForAudit(String service, String method, String path, String query, String target, String op) {
        assertThat(AwsEndpoints.operation(service, method, path, query, target)).isEqualTo(op);
    }

    @Test
    void regionsAreValidated() {
        assertThat(AwsEndpoints.validateRegion(" us-gov-west-1 ")).isEqualTo("us-gov-west-1");
        assertThat(AwsEndpoints.stsEndpoint("aws", "eu-west-1")).isEqualTo("https://sts.eu-west-1.amazonaws.com");
        assertThat(AwsEndpoints.stsEndpoint("aws-cn", "cn-north-1")).isEqualTo("https://sts.cn-north-1.amazonaws.com.cn");
        assertThatThrownBy(() -> AwsEndpoints.validateRegion("US-EAST-1")).hasMessageContaining("is not an AWS region name");
        assertThatThrownBy(() -> AwsEndpoints.validateRegion("useast1")).hasMessageContaining("use e.g. us-east-1");
    }

    @Test
    void credentialProcessJsonHasVersionOneAndTheIsoExpiration() {
        AwsCredentials c = new AwsCredentials("ASIAEXAMPLE", "se\"cr\\et", "token/+=", Instant.parse("2025-01-01T01:02:03.456Z"));
        assertThat(CredentialProcessJson.render(c)).isEqualTo("{\"Version\":1,\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":"
                + "\"se\\\"cr\\\\et\",\"SessionToken\":\"token/+=\",\"Expiration\":\"2025-01-01T01:02:03Z\"}");
        assertThat(CredentialProcessJson.render(new AwsCredentials("AKIA", "s", null, null)))
                .isEqualTo("{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"s\"}");
        assertThat(c.toString()).doesNotContain("se\"cr").doesNotContain("token/");
    }
}
