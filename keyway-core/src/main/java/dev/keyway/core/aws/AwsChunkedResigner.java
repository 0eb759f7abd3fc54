package dev.keyway.core.aws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Re-signs the chunk signatures of an {@code aws-chunked} upload body
 * ({@code x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]}), streaming. Each
 * chunk is framed as
 *
 * <pre>
 * chunk        = hex-size ";chunk-signature=" 64HEXDIG CRLF chunk-data CRLF
 * final-chunk  = "0;chunk-signature=" 64HEXDIG CRLF [trailer-fields] CRLF
 * trailer      = *(name ":" value CRLF) "x-amz-trailer-signature:" 64HEXDIG CRLF
 * </pre>
 *
 * and signed as {@code HMAC(key, "AWS4-HMAC-SHA256-PAYLOAD" \n date \n scope \n previous-signature
 * \n sha256("") \n sha256(chunk-data))}, chained from the request's header signature (the seed).
 * The agent signed its chunks with the placeholder key, so every signature is recomputed with the
 * assumed role's signing key and the new seed. Signatures are always 64 hex digits, so the output
 * is exactly as long as the input: {@code Content-Length} and the framing stay valid.
 *
 * <p>Each chunk is held until it is complete (its signature precedes its data), up to
 * {@code maxChunk} bytes. One instance per request; not thread-safe. Malformed input throws
 * {@link IllegalArgumentException} (the request is refused, nothing half-signed goes upstream).
 */
public final class AwsChunkedResigner {
    private static final int MAX_LINE = 4096;
    private static final String SIG = "chunk-signature=";
    private static final String TRAILER_SIG = "x-amz-trailer-signature";

    private enum State { HEADER, DATA, DATA_CRLF, TRAILER, DONE }

    private final byte[] signingKey;
    private final String amzDate;
    private final String scope;
    private final boolean trailer;
    private final int maxChunk;
    private String previous;
    private State state = State.HEADER;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private ByteArrayOutputStream data = new ByteArrayOutputStream();
    private String headerLine = "";
    private long remaining;
    private int crlfSeen;
    private final List<String> trailerLines = new ArrayList<>();
    private String pendingFinalHeader = "";

    /**
     * @param signingKey the derived SigV4 key for the request's scope (copied; wiped when done)
     * @param seedSignature the signature of the request headers, as sent upstream
     * @param trailer true for {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER}
     */
    public AwsChunkedResigner(byte[] signingKey, String amzDate, String scope, String seedSignature, boolean trailer,
            int maxChunk) {
        this.signingKey = signingKey.clone();
        this.amzDate = amzDate;
        this.scope = scope;
        this.previous = seedSignature;
        this.trailer = trailer;
        this.maxChunk = maxChunk;
    }

    /** Consumes the next bytes; returns the re-signed bytes of every chunk completed so far. */
    public byte[] update(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 128);
        int i = 0;
        while (i < in.length) {
            switch (state) {
                case HEADER, TRAILER -> {
                    byte b = in[i++];
                    line.write(b);
                    if (line.size() > MAX_LINE) {
                        throw malformed("a chunk header or trailer line is longer than " + MAX_LINE + " bytes");
                    }
                    if (b == '\n') {
                        String l = line.toString(StandardCharsets.ISO_8859_1);
                        line.reset();
                        if (!l.endsWith("\r\n")) {
                            throw malformed("a chunk line does not end with CRLF");
                        }
                        String content = l.substring(0, l.length() - 2);
                        if (state == State.HEADER) {
                            startChunk(content);
                        } else {
                            trailerLine(content, out);
                        }
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(remaining, in.length - i);
                    data.write(in, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DATA_CRLF;
                        crlfSeen = 0;
                    }
                }
                case DATA_CRLF -> {
                    byte b = in[i++];
                    if (b != (crlfSeen == 0 ? '\r' : '\n')) {
                        throw malformed("chunk data is not followed by CRLF");
                    }
                    if (++crlfSeen == 2) {
                        endChunk(out);
                    }
                }
                case DONE -> throw malformed("bytes after the final chunk");
            }
        }
        return out.toByteArray();
    }

    /** Signals the end of the body; throws if the final chunk was not seen. */
    public byte[] finish() {
        try {
            if (state != State.DONE) {
                throw malformed("the body ended before the final (zero-length) chunk");
            }
            return new byte[0];
        } finally {
            Arrays.fill(signingKey, (byte) 0);
        }
    }

    private void startChunk(String header) {
        int semi = header.indexOf(';');
        String size = semi < 0 ? header : header.substring(0, semi);
        if (size.isEmpty() || size.length() > 12 || !size.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw malformed("invalid chunk size");
        }
        long n = Long.parseLong(size, 16);
        if (n > maxChunk) {
            throw malformed("a chunk of " + n + " bytes exceeds the limit of " + maxChunk);
        }
        int at = header.indexOf(SIG);
        if (at < 0 || header.length() < at + SIG.length() + 64) {
            throw malformed("a chunk has no chunk-signature");
        }
        headerLine = header;
        remaining = n;
        data = new ByteArrayOutputStream((int) n);
        if (n == 0) {
            if (trailer) {
                emitHeader(new ByteArrayOutputStream(), new byte[0]); // updates the chain; emitted with the trailer
                state = State.TRAILER;
            } else {
                state = State.DATA_CRLF;
                crlfSeen = 0;
            }
        } else {
            state = State.DATA;
        }
    }

    private void emitHeader(ByteArrayOutputStream out, byte[] chunk) {
        String sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previous + "\n" + SigV4.EMPTY_SHA256
                + "\n" + SigV4.hex(SigV4.sha256().digest(chunk));
        String sig = SigV4.hex(SigV4.hmac(signingKey, sts));
        int at = headerLine.indexOf(SIG) + SIG.length();
        String rewritten = headerLine.substring(0, at) + sig + headerLine.substring(at + 64);
        previous = sig;
        if (trailer && chunk.length == 0) {
            pendingFinalHeader = rewritten;
        } else {
            out.writeBytes((rewritten + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private void endChunk(ByteArrayOutputStream out) {
        byte[] chunk = data.toByteArray();
        emitHeader(out, chunk);
        out.writeBytes(chunk);
        out.writeBytes(new byte[] {'\r', '\n'});
        Arrays.fill(chunk, (byte) 0);
        if (chunk.length == 0) {
            state = State.DONE;
        } else {
            state = State.HEADER;
        }
    }

    private void trailerLine(String content, ByteArrayOutputStream out) {
        if (!content.isEmpty()) {
            trailerLines.add(content);
            return;
        }
        // End of trailer: recompute x-amz-trailer-signature over the other trailer fields.
        StringBuilder canonical = new StringBuilder();
        boolean hadSignature = false;
        for (String t : trailerLines) {
            int colon = t.indexOf(':');
            if (colon <= 0) {
                throw malformed("a trailer line has no ':'");
            }
            String name = t.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (name.equals(TRAILER_SIG)) {
                hadSignature = true;
            } else {
                canonical.append(name).append(':').append(t.substring(colon + 1).strip()).append('\n');
            }
        }
        if (!hadSignature) {
            throw malformed("the trailer has no x-amz-trailer-signature");
        }
        String sts = "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n" + previous + "\n"
                + SigV4.sha256Hex(canonical.toString());
        String sig = SigV4.hex(SigV4.hmac(signingKey, sts));
        previous = sig;
        StringBuilder sb = new StringBuilder(pendingFinalHeader).append("\r\n");
        for (String t : trailerLines) {
            int colon = t.indexOf(':');
            if (t.substring(0, colon).strip().equalsIgnoreCase(TRAILER_SIG)) {
                String value = t.substring(colon + 1);
                int lead = value.length() - value.stripLeading().length();
                if (value.strip().length() != 64) {
                    throw malformed("x-amz-trailer-signature is not 64 hex digits");
                }
                sb.append(t, 0, colon + 1).append(value, 0, lead).append(sig).append(value.substring(lead + 64));
            } else {
                sb.append(t);
            }
            sb.append("\r\n");
        }
        sb.append("\r\n");
        out.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        state = State.DONE;
    }

    /** True for the {@code x-amz-content-sha256} values whose body carries chunk signatures. */
    public static boolean isSignedStreaming(String contentSha256) {
        return contentSha256.equals(SigV4.STREAMING_PAYLOAD) || contentSha256.equals(SigV4.STREAMING_PAYLOAD_TRAILER);
    }

    private static IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException("malformed aws-chunked body: " + what);
    }
}
