package dev.keyway.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The signer against published AWS SigV4 examples: the SigV4 test suite (AKIDEXAMPLE,
 * 2015-08-30T12:36:00Z, us-east-1, service "service"), the IAM ListUsers example from the general
 * reference, and the S3 examples of the S3 API reference (AKIAIOSFODNN7EXAMPLE,
 * 2013-05-24T00:00:00Z). The values were also cross-checked with botocore's signer.
 */
class SigV4SignerTest {
    static final AwsCredentials SUITE = new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null, null);
    static final AwsCredentials SUITE_STS = new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
            null);
    static final AwsCredentials S3 = new AwsCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null, null);
    static final Instant SUITE_TIME = Instant.parse("2015-08-30T12:36:00Z");
    static final Instant S3_TIME = Instant.parse("2013-05-24T00:00:00Z");
    static final String HOST = "example.amazonaws.com";

    record Vector(String name, String method, String target, List<String> headers, String body, AwsCredentials creds,
            String region, String service, Instant time, String signedHeaders, String signature) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Vector suite(String name, String method, String target, List<String> headers, String body, String signedHeaders,
            String signature) {
        List<String> h = new ArrayList<>();
        h.add("Host:" + HOST);
        h.addAll(headers);
        return new Vector(name, method, target, h, body, SUITE, "us-east-1", "service", SUITE_TIME, signedHeaders, signature);
    }

    static Stream<Vector> vectors() {
        String s3Empty = "x-amz-content-sha256:" + SigV4.EMPTY_SHA256;
        return Stream.of(
                suite("get-vanilla", "GET", "/", List.of(), "", "host;x-amz-date",
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
                suite("get-vanilla-empty-query-key", "GET", "/?Param1=value1", List.of(), "", "host;x-amz-date",
                        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
                suite("get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", List.of(), "",
                        "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
                suite("get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                        List.of(), "", "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
                suite("get-slashes", "GET", "//example//", List.of(), "", "host;x-amz-date",
                        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
                suite("get-relative-relative", "GET", "/example1/example2/../..", List.of(), "", "host;x-amz-date",
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
                suite("get-space-as-sent-by-an-sdk (encoded twice)", "GET", "/example%20space/", List.of(), "", "host;x-amz-date",
                        "446b817944c553435b35e813c261ff4e161fff982d1bacdef1c87f6785dd1662"),
                suite("get-header-value-trim", "GET", "/", List.of("My-Header1: value1", "My-Header2: \"a   b   c\""), "",
                        "host;my-header1;my-header2;x-amz-date",
                        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
                suite("post-vanilla", "POST", "/", List.of(), "", "host;x-amz-date",
                        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                suite("post-x-www-form-urlencoded", "POST", "/", List.of("Content-Type:application/x-www-form-urlencoded"),
                        "Param1=value1", "content-type;host;x-amz-date",
                        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
                new Vector("post-sts-header-before", "POST", "/", List.of("Host:" + HOST), "", SUITE_STS, "us-east-1", "service",
                        SUITE_TIME, "host;x-amz-date;x-amz-security-token",
                        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
                new Vector("iam-list-users", "GET", "/?Action=ListUsers&Version=2010-05-08",
                        List.of("Host:iam.amazonaws.com", "Content-Type:application/x-www-form-urlencoded; charset=utf-8"), "", SUITE,
                        "us-east-1", "iam", SUITE_TIME, "content-type;host;x-amz-date",
                        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
                new Vector("s3-get-object", "GET", "/test.txt",
                        List.of("Host:examplebucket.s3.amazonaws.com", "Range:bytes=0-9", s3Empty), "", S3, "us-east-1", "s3", S3_TIME,
                        "host;range;x-amz-content-sha256;x-amz-date",
                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
                new Vector("s3-put-object", "PUT", "/test$file.text",
                        List.of("Host:examplebucket.s3.amazonaws.com", "Date:Fri, 24 May 2013 00:00:00 GMT",
                                "x-amz-storage-class:REDUCED_REDUNDANCY",
                                "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
                        "Welcome to Amazon S3.", S3, "us-east-1", "s3", S3_TIME,
                        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
                new Vector("s3-get-bucket-lifecycle", "GET", "/?lifecycle", List.of("Host:examplebucket.s3.amazonaws.com", s3Empty), "",
                        S3, "us-east-1", "s3", S3_TIME, "host;x-amz-content-sha256;x-amz-date",
                        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
                new Vector("s3-list-objects", "GET", "/?max-keys=2&prefix=J", List.of("Host:examplebucket.s3.amazonaws.com", s3Empty),
                        "", S3, "us-east-1", "s3", S3_TIME, "host;x-amz-content-sha256;x-amz-date",
                        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
    }

    static List<SigV4Signer.Header> headers(List<String> lines) {
        List<SigV4Signer.Header> out = new ArrayList<>();
        for (String l : lines) {
            int c = l.indexOf(':');
            out.add(new SigV4Signer.Header(l.substring(0, c), l.substring(c + 1)));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void reproducesThePublishedSignature(Vector v) {
        SigV4Signer.Request r = new SigV4Signer.Request(v.method(), v.target(), headers(v.headers()),
                SigV4.sha256Hex(v.body().getBytes(StandardCharsets.UTF_8)));
        SigV4Signer.Signed s = SigV4Signer.sign(r, v.creds(), v.region(), v.service(), v.time(), SigV4Signer.ALL_HEADERS);
        String date = SigV4.amzDate(v.time()).substring(0, 8);
        assertThat(s.authorization()).isEqualTo("AWS4-HMAC-SHA256 Credential=" + v.creds().accessKeyId() + "/" + date + "/"
                + v.region() + "/" + v.service() + "/aws4_request, SignedHeaders=" + v.signedHeaders() + ", Signature="
                + v.signature());

        // and the receiving side accepts exactly that request, and nothing signed with another key
        SigV4Signer.Request sent = new SigV4Signer.Request(v.method(), v.target(), s.headers(), r.payloadHash());
        assertThat(SigV4Verifier.verify(sent, id -> id.equals(v.creds().accessKeyId()) ? v.creds().secretAccessKey() : null))
                .isInstanceOf(SigV4Verifier.Result.Valid.class);
        assertThat(SigV4Verifier.verify(sent, id -> "not-the-secret")).isInstanceOfSatisfying(SigV4Verifier.Result.Invalid.class,
                i -> assertThat(i.code()).isEqualTo("SignatureDoesNotMatch"));
    }

    @Test
    void replacesTheClientsDummySignatureDateAndTokenAndAddsTheSessionToken() {
        List<SigV4Signer.Header> client = headers(List.of("Host:" + HOST, "X-Amz-Date:20990101T000000Z",
                "Authorization:AWS4-HMAC-SHA256 Credential=AKIAKEYWAYPLACEHOLD1/20990101/us-east-1/service/aws4_request, "
                        + "SignedHeaders=host, Signature=00", "X-Amz-Security-Token:dummy"));
        SigV4Signer.Signed s = SigV4Signer.sign(new SigV4Signer.Request("POST", "/", client, SigV4.EMPTY_SHA256), SUITE_STS,
                "us-east-1", "service", SUITE_TIME, SigV4Signer.ALL_HEADERS);
        assertThat(s.signature()).isEqualTo("85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
        assertThat(s.headers()).extracting(SigV4Signer.Header::name)
                .containsExactly("Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization");
        assertThat(s.headers().toString()).doesNotContain(SUITE_STS.secretAccessKey()).doesNotContain("dummy");
    }

    @Test
    void stableHeaderSelectionLeavesFramingAndHopByHopHeadersUnsigned() {
        List<SigV4Signer.Header> h = headers(List.of("Host:sts.amazonaws.com", "Content-Type:application/x-www-form-urlencoded",
                "Content-Length:43", "User-Agent:aws-cli/2", "Connection:keep-alive", "X-Amz-Target:Foo.Bar",
                "Transfer-Encoding:chunked"));
        SigV4Signer.Signed s = SigV4Signer.sign(new SigV4Signer.Request("POST", "/", h, SigV4.EMPTY_SHA256), SUITE, "us-east-1",
                "sts", SUITE_TIME, SigV4Signer.STABLE_HEADERS);
        assertThat(s.authorization()).contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target,");
    }

    @Test
    void canonicalFormsFollowTheSuitesRules() {
        assertThat(SigV4.canonicalQuery("Param1=value2&Param1=Value1")).isEqualTo("Param1=Value1&Param1=value2");
        assertThat(SigV4.canonicalQuery("Param1=value1&Param=value1")).isEqualTo("Param=value1&Param1=value1");
        assertThat(SigV4.canonicalQuery("ሴ=bar")).isEqualTo("%E1%88%B4=bar");
        assertThat(SigV4.canonicalQuery("lifecycle&a=%2f")).isEqualTo("a=%2F&lifecycle=");
        assertThat(SigV4.canonicalQuery("a=b+c")).isEqualTo("a=b%2Bc");
        assertThat(SigV4.canonicalPath("/ሴ", false)).isEqualTo("/%E1%88%B4");
        assertThat(SigV4.canonicalPath("/./example/..", false)).isEqualTo("/");
        assertThat(SigV4.canonicalPath("", false)).isEqualTo("/");
        assertThat(SigV4.canonicalPath("/my%20key//a/../b", true)).as("S3: no normalization, encoded once")
                .isEqualTo("/my%20key//a/../b");
        assertThat(SigV4.canonicalPath("/test$file.text", true)).isEqualTo("/test%24file.text");
        assertThat(SigV4Signer.trimAll("  a   b  c ")).isEqualTo("a b c");
    }
}
