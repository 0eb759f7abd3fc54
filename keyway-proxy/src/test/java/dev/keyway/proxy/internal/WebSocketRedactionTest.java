package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.inject.Redactions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server-to-client frame scan of a WebSocket, on the upstream leg's pipeline as the proxy
 * builds it (the frame decoder that lets RSV bits through, then {@link WebSocketRedaction}): the
 * upstream's frames go in as wire bytes (unmasked, as a server sends them), the frames that would
 * go to the client come out.
 */
class WebSocketRedactionTest {
    static final String SECRET = "ws-canary-3f9a1c77e2";
    static final String REPLACEMENT = "[REDACTED:KEY]";

    Redactions echoes;
    EmbeddedChannel client;
    EmbeddedChannel upstream;
    WebSocketRedaction scan;

    @BeforeEach
    void setUp() {
        echoes = Redactions.of(List.of(new Redactions.Echo(SECRET.getBytes(StandardCharsets.UTF_8),
                REPLACEMENT.getBytes(StandardCharsets.UTF_8))));
        client = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        scan = new WebSocketRedaction(echoes, client);
        upstream = new EmbeddedChannel(new WebSocket08FrameDecoder(false, true, 1 << 20), scan);
    }

    @AfterEach
    void tearDown() {
        upstream.finishAndReleaseAll();
        client.finishAndReleaseAll();
        echoes.close();
    }

    /** The upstream sends these frames (as wire bytes, the way a server encodes them). */
    private void upstreamSends(WebSocketFrame... frames) {
        EmbeddedChannel enc = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        for (WebSocketFrame f : frames) {
            enc.writeOutbound(f);
        }
        ByteBuf b;
        while ((b = enc.readOutbound()) != null) {
            upstream.writeInbound(b);
        }
        enc.finishAndReleaseAll();
    }

    private List<WebSocketFrame> toClient() {
        List<WebSocketFrame> out = new ArrayList<>();
        WebSocketFrame f;
        while ((f = upstream.readInbound()) != null) {
            out.add(f);
        }
        return out;
    }

    private static String text(List<WebSocketFrame> frames) {
        StringBuilder b = new StringBuilder();
        for (WebSocketFrame f : frames) {
            b.append(f.content().toString(StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    private static ByteBuf utf8(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void aWholeTextMessageIsRedactedAndReEncodedWithItsNewLength() {
        upstreamSends(new TextWebSocketFrame("{\"auth\":\"Bearer " + SECRET + "\"}"));
        List<WebSocketFrame> out = toClient();
        assertThat(out).singleElement().isInstanceOf(TextWebSocketFrame.class);
        assertThat(out.getFirst().isFinalFragment()).isTrue();
        assertThat(text(out)).isEqualTo("{\"auth\":\"Bearer " + REPLACEMENT + "\"}");
        assertThat(scan.redactions()).isEqualTo(1);
        out.forEach(WebSocketFrame::release);
    }

    @Test
    void aSecretSplitOverFragmentsIsCaughtAtEverySplitOffset() {
        String message = "echo " + SECRET + " end";
        for (int split = 0; split <= message.length(); split++) {
            long before = scan.redactions();
            upstreamSends(new TextWebSocketFrame(false, 0, utf8(message.substring(0, split))),
                    new ContinuationWebSocketFrame(true, 0, utf8(message.substring(split))));
            List<WebSocketFrame> out = toClient();
            assertThat(out).as("split at " + split).hasSize(2);
            assertThat(out.get(0)).isInstanceOf(TextWebSocketFrame.class);
            assertThat(out.get(0).isFinalFragment()).isFalse();
            assertThat(out.get(1)).isInstanceOf(ContinuationWebSocketFrame.class);
            assertThat(out.get(1).isFinalFragment()).isTrue();
            assertThat(text(out)).as("split at " + split).isEqualTo("echo " + REPLACEMENT + " end");
            assertThat(scan.redactions() - before).isEqualTo(1);
            out.forEach(WebSocketFrame::release);
        }
    }

    @Test
    void binaryMessagesOverThreeFragmentsAreScannedToo() {
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        upstreamSends(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {0, 1}, java.util.Arrays.copyOf(secret, 4))),
                new ContinuationWebSocketFrame(false, 0, Unpooled.wrappedBuffer(java.util.Arrays.copyOfRange(secret, 4, 9))),
                new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(
                        java.util.Arrays.copyOfRange(secret, 9, secret.length), new byte[] {(byte) 0xff})));
        List<WebSocketFrame> out = toClient();
        assertThat(out).hasSize(3);
        assertThat(out.get(0)).isInstanceOf(BinaryWebSocketFrame.class);
        ByteBuf all = Unpooled.buffer();
        out.forEach(f -> all.writeBytes(f.content()));
        byte[] expected = new byte[2 + REPLACEMENT.length() + 1];
        expected[1] = 1;
        System.arraycopy(REPLACEMENT.getBytes(StandardCharsets.US_ASCII), 0, expected, 2, REPLACEMENT.length());
        expected[expected.length - 1] = (byte) 0xff;
        assertThat(io.netty.buffer.ByteBufUtil.getBytes(all)).isEqualTo(expected);
        all.release();
        out.forEach(WebSocketFrame::release);
    }

    @Test
    void controlFramesBetweenFragmentsPassUntouchedAndKeepTheMessageScan() {
        upstreamSends(new TextWebSocketFrame(false, 0, utf8("a " + SECRET.substring(0, 7))),
                new PingWebSocketFrame(utf8("keepalive")),
                new ContinuationWebSocketFrame(true, 0, utf8(SECRET.substring(7) + " b")));
        List<WebSocketFrame> out = toClient();
        assertThat(out).hasSize(3);
        assertThat(out.get(1)).isInstanceOf(PingWebSocketFrame.class);
        assertThat(out.get(1).content().toString(StandardCharsets.UTF_8)).isEqualTo("keepalive");
        assertThat(text(List.of(out.get(0), out.get(2)))).isEqualTo("a " + REPLACEMENT + " b");
        out.forEach(WebSocketFrame::release);
    }

    @Test
    void aCloseReasonQuotingTheSecretIsRedactedItsStatusKept() {
        upstreamSends(new CloseWebSocketFrame(4001, "bad token " + SECRET));
        List<WebSocketFrame> out = toClient();
        assertThat(out).singleElement().isInstanceOf(CloseWebSocketFrame.class);
        CloseWebSocketFrame c = (CloseWebSocketFrame) out.getFirst();
        assertThat(c.statusCode()).isEqualTo(4001);
        assertThat(c.reasonText()).isEqualTo("bad token " + REPLACEMENT);
        assertThat(scan.redactions()).isEqualTo(1);
        c.release();
    }

    @Test
    void aCompressedFrameClosesTheWebSocketWith1011AndNothingPasses() {
        // RSV1: permessage-deflate, which the upgrade request did not offer; its payload cannot be scanned as is
        upstreamSends(new TextWebSocketFrame(true, 4, utf8("compressed " + SECRET)));
        assertThat(toClient()).isEmpty();
        assertThat(scan.state()).isEqualTo(WebSocketRedaction.State.REFUSED);
        assertThat(upstream.isOpen()).isFalse();
        ByteBuf wire = client.readOutbound();
        assertThat(wire).as("a Close frame went to the client").isNotNull();
        EmbeddedChannel dec = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 10));
        dec.writeInbound(wire);
        CloseWebSocketFrame close = dec.readInbound();
        assertThat(close.statusCode()).isEqualTo(1011);
        assertThat(close.content().toString(StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        close.release();
        dec.finishAndReleaseAll();
        assertThat(client.isOpen()).isFalse();
    }
}
