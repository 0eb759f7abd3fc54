package dev.keyway.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.io.ByteArrayOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for the {@code aws-chunked} parser that re-signs S3 uploads in flight. Whatever the
 * body and however it is split into reads, the resigner either refuses with an {@link
 * IllegalArgumentException} (the request is then refused, nothing half-signed goes upstream) or
 * emits exactly as many bytes as it consumed (signatures are fixed width, so {@code Content-Length}
 * and the framing stay valid), and never emits more than it was given.
 */
class AwsChunkedFuzzTest {
    private static final byte[] KEY = new byte[32];
    private static final String SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        boolean trailer = in.intIn(0, 1) == 1;
        int maxChunk = 1 + in.intIn(0, 255) * 64;
        int split = 1 + in.intIn(0, 255);
        byte[] body = in.rest();
        AwsChunkedResigner r = new AwsChunkedResigner(KEY, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                SEED, trailer, maxChunk);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int consumed = 0;
        try {
            for (int i = 0; i < body.length; i += split) {
                byte[] part = java.util.Arrays.copyOfRange(body, i, Math.min(body.length, i + split));
                consumed += part.length;
                out.writeBytes(r.update(part));
                assertThat(out.size()).isLessThanOrEqualTo(consumed);
            }
            out.writeBytes(r.finish());
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(out.size()).as("a complete body is re-signed to the same length").isEqualTo(body.length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, AwsChunkedFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(AwsChunkedFuzzTest.class);
    }
}
