package dev.keyway.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chunk re-signing against the S3 API reference's streaming upload example (66560 bytes of 'a', 64 KiB chunks). */
class AwsChunkedResignerTest {
    static final AwsCredentials KEY = SigV4SignerTest.S3;
    static final Instant T = Instant.parse("2013-05-24T00:00:00Z");
    static final String ZERO = "0".repeat(64);
    static final String SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    static final List<String> EXPECTED = List.of("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");

    static byte[] body(String sig1, String sig2, String sig3) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] a = new byte[65536];
        Arrays.fill(a, (byte) 'a');
        b.writeBytes(("10000;chunk-signature=" + sig1 + "\r\n").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(a);
        b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(("400;chunk-signature=" + sig2 + "\r\n").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(Arrays.copyOf(a, 1024));
        b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(("0;chunk-signature=" + sig3 + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    static AwsChunkedResigner resigner(String seed, boolean trailer, AwsCredentials c) {
        return new AwsChunkedResigner(SigV4.signingKey(c.secretAccessKey(), "20130524", "us-east-1", "s3"),
                "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", seed, trailer, 1 << 20);
    }

    @Test
    void headerSignatureIsTheExamplesSeed() {
        List<SigV4Signer.Header> h = SigV4SignerTest.headers(List.of("Host:s3.amazonaws.com",
                "x-amz-storage-class:REDUCED_REDUNDANCY", "x-amz-content-sha256:" + SigV4.STREAMING_PAYLOAD,
                "Content-Encoding:aws-chunked", "x-amz-decoded-content-length:66560", "Content-Length:66824"));
        SigV4Signer.Signed s = SigV4Signer.sign(new SigV4Signer.Request("PUT", "/examplebucket/chunkObject.txt", h,
                SigV4.STREAMING_PAYLOAD), KEY, "us-east-1", "s3", T, SigV4Signer.ALL_HEADERS);
        assertThat(s.signature()).isEqualTo(SEED);
    }

    @ParameterizedTest(name = "fed in pieces of {0} bytes")
    @ValueSource(ints = {1, 7, 1000, 65536, 1 << 20})
    void recomputesEveryChunkSignatureKeepingTheLength(int piece) {
        byte[] in = body(ZERO, ZERO, ZERO);
        assertThat(in).hasSize(66824);
        AwsChunkedResigner r = resigner(SEED, false, KEY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i += piece) {
            out.writeBytes(r.update(Arrays.copyOfRange(in, i, Math.min(in.length, i + piece))));
        }
        out.writeBytes(r.finish());
        assertThat(out.toByteArray()).isEqualTo(body(EXPECTED.get(0), EXPECTED.get(1), EXPECTED.get(2)));
    }

    @Test
    void trailerVariantReSignsChunksAndTheTrailerSignatureAndIsDeterministic() {
        String tail = "0;chunk-signature=" + ZERO + "\r\nx-amz-checksum-crc32:sOO8/Q==\r\nx-amz-trailer-signature:" + ZERO + "\r\n\r\n";
        byte[] in = ("5;chunk-signature=" + ZERO + "\r\nhello\r\n" + tail).getBytes(StandardCharsets.US_ASCII);
        byte[] once = run(resigner(SEED, true, KEY), in);
        assertThat(once).hasSameSizeAs(in);
        String text = new String(once, StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("[0-9a-f]{64}").matcher(text);
        int n = 0;
        while (m.find()) {
            assertThat(m.group()).isNotEqualTo(ZERO);
            n++;
        }
        assertThat(n).isEqualTo(3);
        assertThat(text).contains("\r\nhello\r\n").contains("x-amz-checksum-crc32:sOO8/Q==\r\n").endsWith("\r\n\r\n");
        assertThat(run(resigner(SEED, true, KEY), once)).as("verifying = re-signing yields the same bytes").isEqualTo(once);
        AwsCredentials other = new AwsCredentials("AKIDOTHER", "another-secret-key", null, null);
        assertThat(run(resigner(SEED, true, other), in)).isNotEqualTo(once);
    }

    static byte[] run(AwsChunkedResigner r, byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(r.update(in));
        out.writeBytes(r.finish());
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "zz;chunk-signature=SIG\r\n",
        "5\r\nhello\r\n",
        "5;chunk-signature=SIG\r\nhelloXX",
        "5;chunk-signature=SIG\nhello\r\n",
        "5;chunk-signature=SIG\r\nhello\r\n",
        "0;chunk-signature=SIG\r\n\r\nextra",
        "200000;chunk-signature=SIG\r\n"
    })
    void malformedBodiesAreRefused(String body) {
        byte[] in = body.replace("SIG", ZERO).getBytes(StandardCharsets.US_ASCII);
        AwsChunkedResigner r = new AwsChunkedResigner(new byte[32], "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", SEED,
                false, 1 << 20);
        assertThatThrownBy(() -> run(r, in)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed aws-chunked body");
    }
}
