package dev.keyway.proxy.internal;

import dev.keyway.core.inject.ByteSink;
import dev.keyway.core.inject.Redactions;
import dev.keyway.core.inject.StreamRedactor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The scan of one response body for echoed secrets ({@link Redactions}): the body is decoded when
 * it is {@code gzip} or {@code deflate} (Netty's zlib decoder, in an {@link EmbeddedChannel} as
 * Netty's own {@code HttpContentDecoder} does) and goes on uncompressed, and every occurrence of an
 * injected value is replaced as it streams through ({@link StreamRedactor}: at most the longest
 * pattern minus one byte is held back, so SSE and chunked streams keep flowing).
 *
 * <p>Why a coding decides up front: a body Keyway cannot decode cannot be scanned, and a secret
 * inside it would reach the client; {@link #coding} says which codings are scannable and the relay
 * refuses the rest before anything is sent.
 */
final class ResponseScan implements ByteSink {
    /** How the response body is encoded, as far as the scan is concerned. */
    enum Coding {
        IDENTITY,
        GZIP,
        DEFLATE,
        /** Anything else ({@code br}, {@code zstd}, {@code compress}, stacked codings): refused. */
        UNSCANNABLE
    }

    /** Largest buffer the zlib decoder allocates at once (its output then streams in pieces). */
    private static final int MAX_DECODER_ALLOCATION = 64 * 1024;

    private final StreamRedactor redactor;
    private final ByteBufAllocator alloc;
    private @Nullable EmbeddedChannel decoder;
    /** Where {@link #write} puts the redactor's output during one {@link #process} call, once it is not a slice. */
    private @Nullable ByteBuf out;
    /**
     * The identity part being scanned: its buffer, the array the scan reads (the buffer's own, or a
     * copy of all but its quiet start), the buffer index minus the array index of the same byte,
     * and the one range of the buffer written so far (buffer indexes).
     */
    private @Nullable ByteBuf partBuf;
    private byte @Nullable [] part;
    private int partDelta;
    private int sliceFrom;
    private int sliceLength;
    private byte[] scratch = new byte[0];

    ResponseScan(Redactions echoes, Coding coding, ByteBufAllocator alloc) {
        this.redactor = echoes.stream();
        this.alloc = alloc;
        this.decoder = switch (coding) {
            case GZIP -> new EmbeddedChannel(ZlibCodecFactory.newZlibDecoder(ZlibWrapper.GZIP, MAX_DECODER_ALLOCATION));
            // "deflate" is zlib-wrapped by the spec, but some servers send raw deflate: accept both
            case DEFLATE -> new EmbeddedChannel(
                    ZlibCodecFactory.newZlibDecoder(ZlibWrapper.ZLIB_OR_NONE, MAX_DECODER_ALLOCATION));
            case IDENTITY, UNSCANNABLE -> null;
        };
    }

    /** The coding named by the response's {@code Content-Encoding} (absent = identity). */
    static Coding coding(HttpHeaders h) {
        String ce = h.get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_ENCODING);
        if (ce == null) {
            return Coding.IDENTITY;
        }
        Coding found = Coding.IDENTITY;
        int codings = 0;
        for (String token : ce.split(",")) {
            String t = token.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.equals("identity")) {
                continue;
            }
            codings++;
            found = switch (t) {
                case "gzip", "x-gzip" -> Coding.GZIP;
                case "deflate" -> Coding.DEFLATE;
                default -> Coding.UNSCANNABLE;
            };
        }
        return codings > 1 ? Coding.UNSCANNABLE : found;
    }

    /**
     * The client's {@code Accept-Encoding} narrowed to the codings the scan decodes, so an upstream
     * that honours it never answers in one Keyway must refuse: {@code br}, {@code zstd} and others
     * are dropped, {@code *} becomes {@code gzip, deflate}, and when nothing is left {@code
     * identity} is asked for (an absent field would mean "any coding", RFC 9110 §12.5.3).
     * Quality values are kept.
     */
    static String scannableAcceptEncoding(String value) {
        java.util.List<String> kept = new java.util.ArrayList<>();
        for (String token : value.split(",")) {
            String t = token.strip();
            int semi = t.indexOf(';');
            String coding = (semi < 0 ? t : t.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
            switch (coding) {
                case "gzip", "x-gzip", "deflate", "identity" -> kept.add(t);
                case "*" -> {
                    String q = semi < 0 ? "" : t.substring(semi);
                    kept.add("gzip" + q);
                    kept.add("deflate" + q);
                }
                default -> { } // a coding the scan cannot decode
            }
        }
        return kept.isEmpty() ? "identity" : String.join(", ", kept);
    }

    /**
     * Scans the next part of the body ({@code in} is released); returns what may go to the client
     * now (possibly empty), everything that is left when {@code last}.
     *
     * <p>Why the output is often {@code in} itself: in the common case (no echo in the part and
     * nothing held back from an earlier one) the scan's output is one contiguous range of the part,
     * which is then passed on as a slice of it, without a copy; only a part that is changed or that
     * ends inside a possible occurrence is assembled into a new buffer.
     *
     * @throws io.netty.handler.codec.DecoderException when the coded body is corrupt
     */
    ByteBuf process(ByteBuf in, boolean last) {
        EmbeddedChannel d = decoder;
        if (d == null) {
            return processIdentity(in, last);
        }
        ByteBuf o = alloc.buffer(in.readableBytes() + 64);
        out = o;
        try {
            d.writeInbound(in);
            ByteBuf b;
            while ((b = d.readInbound()) != null) {
                scan(b);
            }
            if (last) {
                d.finish();
                while ((b = d.readInbound()) != null) {
                    scan(b);
                }
                redactor.finish(this);
            }
            return o;
        } catch (RuntimeException e) {
            o.release();
            throw e;
        } finally {
            out = null;
        }
    }

    private ByteBuf processIdentity(ByteBuf in, boolean last) {
        int n = in.readableBytes();
        try {
            byte[] array;
            int from;
            int quiet = 0;
            if (in.hasArray()) {
                array = in.array();
                from = in.arrayOffset() + in.readerIndex();
            } else {
                // the quiet start of the part is decided in place; only the rest is copied for the scan
                quiet = redactor.passQuiet(in.nioBuffer(in.readerIndex(), n), 0, n);
                array = scratch(n - quiet);
                in.getBytes(in.readerIndex() + quiet, array, 0, n - quiet);
                from = 0;
            }
            part = array;
            partBuf = in;
            partDelta = in.readerIndex() + quiet - from;
            sliceFrom = in.readerIndex();
            sliceLength = quiet;
            redactor.update(array, from, n - quiet, this);
            if (last) {
                redactor.finish(this);
            }
            ByteBuf o = out;
            if (o != null) {
                return o;
            }
            return sliceLength == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(sliceFrom, sliceLength);
        } catch (RuntimeException e) {
            ByteBuf o = out;
            if (o != null) {
                o.release();
            }
            throw e;
        } finally {
            out = null;
            part = null;
            partBuf = null;
            in.release();
        }
    }

    /**
     * A reusable array for parts in direct buffers (the scan reads arrays): one per response, as
     * large as its largest part (parts are bounded by the HTTP decoder's chunk size and TLS records).
     */
    private byte[] scratch(int n) {
        if (scratch.length < n) {
            Arrays.fill(scratch, (byte) 0);
            scratch = new byte[n];
        }
        return scratch;
    }

    private void scan(ByteBuf b) {
        try {
            int n = b.readableBytes();
            if (b.hasArray()) {
                redactor.update(b.array(), b.arrayOffset() + b.readerIndex(), n, this);
            } else {
                byte[] copy = scratch(n);
                b.getBytes(b.readerIndex(), copy, 0, n);
                redactor.update(copy, 0, n, this);
            }
        } finally {
            b.release();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ByteBuf o = out;
        if (o == null) {
            ByteBuf in = partBuf;
            if (in != null && b == part && (sliceLength == 0 || off + partDelta == sliceFrom + sliceLength)) {
                // still one contiguous range of the part being scanned: keep it as a slice
                if (sliceLength == 0) {
                    sliceFrom = off + partDelta;
                }
                sliceLength += len;
                return;
            }
            o = alloc.buffer(sliceLength + len + 64);
            if (sliceLength > 0 && in != null) {
                o.writeBytes(in, sliceFrom, sliceLength);
            }
            sliceLength = 0;
            out = o;
        }
        o.writeBytes(b, off, len);
    }

    /** Occurrences replaced in the body so far. */
    int redactions() {
        return redactor.redactions();
    }

    /** Scans every header value in place; returns how many occurrences were replaced. */
    static int scanHeaders(HttpHeaders h, Redactions echoes) {
        int n = 0;
        for (Map.Entry<String, String> e : h.entries()) {
            if (echoes.scan(e.getKey()).redactions() > 0) {
                n++; // a header name echoing a secret: it cannot be rewritten in place, so it goes
            }
        }
        if (n > 0) {
            HttpHeaders copy = h.copy();
            h.clear();
            for (Map.Entry<String, String> e : copy.entries()) {
                if (echoes.scan(e.getKey()).redactions() == 0) {
                    h.add(e.getKey(), e.getValue());
                }
            }
        }
        for (String name : new java.util.ArrayList<>(h.names())) {
            java.util.List<String> values = h.getAll(name);
            boolean changed = false;
            String[] out = new String[values.size()];
            for (int i = 0; i < out.length; i++) {
                Redactions.Scanned s = echoes.scan(values.get(i));
                out[i] = s.value();
                if (s.redactions() > 0) {
                    n += s.redactions();
                    changed = true;
                }
            }
            if (changed) {
                h.remove(name);
                for (String v : out) {
                    h.add(name, v);
                }
            }
        }
        return n;
    }

    /** Releases the decoder and forgets the held-back bytes. */
    void close() {
        EmbeddedChannel d = decoder;
        decoder = null;
        if (d != null) {
            try {
                d.finishAndReleaseAll();
            } catch (RuntimeException alreadyReported) {
                // a corrupt body was reported by process(); closing only releases what is left
            }
        }
        redactor.wipe();
        Arrays.fill(scratch, (byte) 0);
    }
}
