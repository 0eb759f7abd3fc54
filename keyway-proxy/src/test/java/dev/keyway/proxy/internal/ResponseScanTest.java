package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.inject.Redactions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The response body scan: decoding (Netty's zlib codecs in an EmbeddedChannel), redaction across parts, codings. */
class ResponseScanTest {
    private static final String SECRET = "sk-echo-0123456789";
    private static final String BODY = "{\"echo\":\"Bearer " + SECRET + "\",\"again\":\"" + SECRET + "\"}";
    private static final String EXPECTED = "{\"echo\":\"Bearer [REDACTED:K]\",\"again\":\"[REDACTED:K]\"}";

    private static Redactions echoes() {
        return Redactions.of(List.of(new Redactions.Echo(SECRET.getBytes(StandardCharsets.UTF_8),
                "[REDACTED:K]".getBytes(StandardCharsets.UTF_8))));
    }

    /** Encodes with Netty's own zlib encoder, as an upstream would. */
    private static byte[] encode(ZlibWrapper w, String text) {
        EmbeddedChannel enc = new EmbeddedChannel(ZlibCodecFactory.newZlibEncoder(w));
        enc.writeOutbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        enc.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf b;
        while ((b = enc.readOutbound()) != null) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
        return out.toByteArray();
    }

    static Stream<Arguments> codings() {
        return Stream.of(
                Arguments.of(ResponseScan.Coding.IDENTITY, BODY.getBytes(StandardCharsets.UTF_8)),
                Arguments.of(ResponseScan.Coding.GZIP, encode(ZlibWrapper.GZIP, BODY)),
                Arguments.of(ResponseScan.Coding.DEFLATE, encode(ZlibWrapper.ZLIB, BODY)),
                Arguments.of(ResponseScan.Coding.DEFLATE, encode(ZlibWrapper.NONE, BODY)));
    }

    /** Every split of the (coded) body into two parts, and into one part per byte. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("codings")
    void everySplitOfTheBodyIsDecodedAndRedacted(ResponseScan.Coding coding, byte[] wire) {
        try (Redactions r = echoes()) {
            for (int cut = 0; cut <= wire.length; cut++) {
                assertThat(run(r, coding, List.of(slice(wire, 0, cut), slice(wire, cut, wire.length))))
                        .as("split at %d", cut).isEqualTo(EXPECTED);
            }
            List<byte[]> bytes = new java.util.ArrayList<>();
            for (int i = 0; i < wire.length; i++) {
                bytes.add(slice(wire, i, i + 1));
            }
            assertThat(run(r, coding, bytes)).as("byte by byte").isEqualTo(EXPECTED);
        }
    }

    private static byte[] slice(byte[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    private static String run(Redactions r, ResponseScan.Coding coding, List<byte[]> parts) {
        ResponseScan scan = new ResponseScan(r, coding, ByteBufAllocator.DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (int i = 0; i < parts.size(); i++) {
                ByteBuf o = scan.process(Unpooled.wrappedBuffer(parts.get(i)), i == parts.size() - 1);
                byte[] bytes = new byte[o.readableBytes()];
                o.readBytes(bytes);
                o.release();
                out.writeBytes(bytes);
            }
            assertThat(scan.redactions()).isEqualTo(2);
        } finally {
            scan.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anSseEventGoesOutAtOnceWhenNothingCanStillMatch() {
        try (Redactions r = echoes()) {
            ResponseScan scan = new ResponseScan(r, ResponseScan.Coding.IDENTITY, ByteBufAllocator.DEFAULT);
            ByteBuf first = scan.process(Unpooled.copiedBuffer("data: {\"n\":1}\n\n", StandardCharsets.UTF_8), false);
            assertThat(first.toString(StandardCharsets.UTF_8)).isEqualTo("data: {\"n\":1}\n\n");
            first.release();
            ByteBuf partial = scan.process(Unpooled.copiedBuffer("data: sk-echo-01", StandardCharsets.UTF_8), false);
            assertThat(partial.toString(StandardCharsets.UTF_8)).isEqualTo("data: "); // the possible start is held back
            partial.release();
            ByteBuf rest = scan.process(Unpooled.copiedBuffer("23456789\n\n", StandardCharsets.UTF_8), false);
            assertThat(rest.toString(StandardCharsets.UTF_8)).isEqualTo("[REDACTED:K]\n\n");
            rest.release();
            scan.close();
        }
    }

    /**
     * Long bodies in the buffers the proxy really gets: pooled direct parts with data not at index 0
     * and heap parts that are windows of larger arrays. Whatever the split, the output is the body
     * with every echo replaced, and every input part is released once its output is.
     */
    @Test
    void longBodiesInDirectAndOffsetHeapPartsAreRedactedAndReleased() {
        java.util.random.RandomGenerator rnd = new java.util.SplittableRandom(20261207L);
        io.netty.buffer.PooledByteBufAllocator pooled = io.netty.buffer.PooledByteBufAllocator.DEFAULT;
        for (int round = 0; round < 200; round++) {
            StringBuilder body = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            while (body.length() < 20_000 + rnd.nextInt(20_000)) {
                String filler = "{\"id\":\"chatcmpl-" + rnd.nextInt(1000) + "\",\"text\":\"hello sk-echo world\"}\n";
                body.append(filler);
                expected.append(filler);
                if (rnd.nextInt(20) == 0) {
                    body.append(SECRET);
                    expected.append("[REDACTED:K]");
                }
            }
            byte[] wire = body.toString().getBytes(StandardCharsets.UTF_8);
            List<ByteBuf> inputs = new java.util.ArrayList<>();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Redactions r = echoes()) {
                ResponseScan scan = new ResponseScan(r, ResponseScan.Coding.IDENTITY, pooled);
                for (int at = 0; at < wire.length; ) {
                    int n = Math.min(wire.length - at, 1 + rnd.nextInt(9000));
                    ByteBuf in;
                    if (rnd.nextBoolean()) {
                        in = pooled.directBuffer(n + 16).writeZero(7).writeBytes(wire, at, n);
                        in.skipBytes(7);
                    } else {
                        byte[] window = new byte[n + 20];
                        System.arraycopy(wire, at, window, 11, n);
                        in = Unpooled.wrappedBuffer(window, 11, n);
                    }
                    inputs.add(in);
                    at += n;
                    ByteBuf o = scan.process(in, at == wire.length);
                    byte[] bytes = new byte[o.readableBytes()];
                    o.readBytes(bytes);
                    o.release();
                    out.writeBytes(bytes);
                }
                scan.close();
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).as("round %d", round).isEqualTo(expected.toString());
            assertThat(inputs).allSatisfy(in -> assertThat(in.refCnt()).isZero());
        }
    }

    private static ByteBuf root(ByteBuf b) {
        ByteBuf r = b;
        for (ByteBuf u = r.unwrap(); u != null; u = r.unwrap()) {
            r = u;
        }
        return r;
    }

    /** A part with no echo and nothing held back is passed on as a slice of itself: no copy. */
    @Test
    void aCleanPartGoesOnWithoutACopy() {
        try (Redactions r = echoes()) {
            ResponseScan scan = new ResponseScan(r, ResponseScan.Coding.IDENTITY, ByteBufAllocator.DEFAULT);
            ByteBuf in = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(4096);
            in.writeBytes("data: a clean event with no secret in it\n\n".repeat(50).getBytes(StandardCharsets.UTF_8));
            ByteBuf o = scan.process(in, false);
            assertThat(root(o)).isSameAs(root(in)); // both may be wrapped by the leak detector
            assertThat(in.refCnt()).isEqualTo(1); // held by the slice only
            o.release();
            assertThat(in.refCnt()).isZero();
            scan.close();
        }
    }

    @Test
    void aCorruptGzipBodyFailsTheScan() {
        try (Redactions r = echoes()) {
            ResponseScan scan = new ResponseScan(r, ResponseScan.Coding.GZIP, ByteBufAllocator.DEFAULT);
            byte[] bad = "definitely not gzip at all".getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> scan.process(Unpooled.wrappedBuffer(bad), true)).isInstanceOf(DecoderException.class);
            scan.close();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "NULL | IDENTITY",
            "identity | IDENTITY",
            "gzip | GZIP",
            "x-gzip | GZIP",
            "GZip | GZIP",
            "deflate | DEFLATE",
            "br | UNSCANNABLE",
            "zstd | UNSCANNABLE",
            "compress | UNSCANNABLE",
            "gzip, gzip | UNSCANNABLE",
            "deflate, br | UNSCANNABLE",
            "identity, gzip | GZIP"})
    void codingTable(String contentEncoding, ResponseScan.Coding expected) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (contentEncoding != null) {
            h.set("Content-Encoding", contentEncoding);
        }
        assertThat(ResponseScan.coding(h)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "gzip, deflate, br, zstd | gzip, deflate",
            "br | identity",
            "br;q=1.0, gzip;q=0.5 | gzip;q=0.5",
            "* | gzip, deflate",
            "*;q=0.1 | gzip;q=0.1, deflate;q=0.1",
            "identity | identity",
            "x-gzip | x-gzip"})
    void acceptEncodingAsksOnlyForScannableCodings(String sent, String forwarded) {
        assertThat(ResponseScan.scannableAcceptEncoding(sent)).isEqualTo(forwarded);
    }

    @Test
    void headersAreScannedValueByValue() {
        try (Redactions r = echoes()) {
            HttpHeaders h = new DefaultHttpHeaders();
            h.add("X-Echo", "Bearer " + SECRET);
            h.add("X-Echo", "clean");
            h.add("Content-Type", "application/json");
            assertThat(ResponseScan.scanHeaders(h, r)).isEqualTo(1);
            assertThat(h.getAll("X-Echo")).containsExactly("Bearer [REDACTED:K]", "clean");
            assertThat(h.get("Content-Type")).isEqualTo("application/json");
        }
    }
}
