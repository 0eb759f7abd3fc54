package dev.keyway.proxy.internal;

import dev.keyway.core.inject.Redactions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The redaction of echoed secrets in the server-to-client frames of a WebSocket whose upgrade
 * request received a credential: sits on the upstream leg after the frame decoder and replaces
 * every occurrence of an injected value ({@link Redactions}) in text and binary messages before the
 * frames reach the client, as the body scan does for HTTP responses.
 *
 * <p>Why per message and not per frame: a message may be fragmented, and an upstream can split an
 * echoed value over two fragments; one {@link ResponseScan} runs from a message's first frame to its
 * final fragment, so its matcher state carries across them (control frames in between do not
 * disturb it). Each data frame is re-encoded with its scanned payload (its length changes; up to
 * the longest pattern minus one byte moves on to the next fragment, and a fragment may go on empty,
 * which RFC 6455 allows). Control frames pass on as they are unless their payload holds an echo
 * (an error quoting the token in a Close reason): then the payload is redacted too (dropped when
 * the replacement would not fit the 125 bytes a control frame may carry).
 *
 * <p>Why a frame with an RSV bit fails closed: its payload is transformed by an extension
 * ({@code permessage-deflate}) and cannot be scanned as is. The upgrade request is sent without
 * {@code Sec-WebSocket-Extensions}, so only an upstream that ignores that sends one; the WebSocket
 * is then closed with 1011 and the audit record says {@code response-unscannable}, rather than
 * passing a frame that may carry the secret.
 *
 * <p>One instance per WebSocket, on the upstream channel's event loop (the client channel's too).
 */
final class WebSocketRedaction extends ChannelInboundHandlerAdapter {
    /** Where the scan stands. */
    enum State {
        /** Between messages: the next data frame starts one. */
        IDLE,
        /** Inside a fragmented message: continuation frames carry on its scan. */
        IN_MESSAGE,
        /** An unscannable frame arrived: the WebSocket was closed, nothing more goes to the client. */
        REFUSED
    }

    private static final int MAX_CONTROL_PAYLOAD = 125;

    private final Redactions echoes;
    private final Channel client;
    private State state = State.IDLE;
    private @Nullable ResponseScan message;
    private long redactions;

    /**
     * @param echoes the values injected into the upgrade request (not empty; owned by the caller,
     *     which wipes them when the WebSocket ends)
     * @param client the client channel (its frame encoder writes the close on a refusal)
     */
    WebSocketRedaction(Redactions echoes, Channel client) {
        this.echoes = echoes;
        this.client = client;
    }

    State state() {
        return state;
    }

    /** Occurrences replaced so far, in every message and control frame. */
    long redactions() {
        ResponseScan m = message;
        return redactions + (m == null ? 0 : m.redactions());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.REFUSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof WebSocketFrame f)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (f.rsv() != 0) {
            f.release();
            refuse(ctx);
            return;
        }
        switch (f) {
            case TextWebSocketFrame t -> ctx.fireChannelRead(new TextWebSocketFrame(t.isFinalFragment(), 0, start(ctx, t)));
            case BinaryWebSocketFrame b ->
                    ctx.fireChannelRead(new BinaryWebSocketFrame(b.isFinalFragment(), 0, start(ctx, b)));
            case ContinuationWebSocketFrame c -> {
                ResponseScan m = message;
                if (m == null) {
                    // a continuation without a started message: the decoder refuses that, so this is unreachable;
                    // never pass a payload unscanned
                    c.release();
                    refuse(ctx);
                    return;
                }
                ctx.fireChannelRead(new ContinuationWebSocketFrame(c.isFinalFragment(), 0, scan(m, c)));
            }
            case CloseWebSocketFrame close -> ctx.fireChannelRead(control(close, 2));
            case PingWebSocketFrame ping -> ctx.fireChannelRead(control(ping, 0));
            case PongWebSocketFrame pong -> ctx.fireChannelRead(control(pong, 0));
            default -> {
                f.release();
                refuse(ctx);
            }
        }
    }

    /** The first frame of a message: a fresh scan (a message never starts inside another; the decoder checks). */
    private ByteBuf start(ChannelHandlerContext ctx, WebSocketFrame f) {
        endMessage();
        ResponseScan m = new ResponseScan(echoes, ResponseScan.Coding.IDENTITY, ctx.alloc());
        message = m;
        state = State.IN_MESSAGE;
        return scan(m, f);
    }

    private ByteBuf scan(ResponseScan m, WebSocketFrame f) {
        boolean fin = f.isFinalFragment();
        ByteBuf out;
        try {
            out = m.process(f.content().retain(), fin);
        } finally {
            f.release();
        }
        if (fin) {
            endMessage();
            state = State.IDLE;
        }
        return out;
    }

    /** Adds the message's count and releases its scan (the state is the caller's to set). */
    private void endMessage() {
        ResponseScan m = message;
        message = null;
        if (m != null) {
            redactions += m.redactions();
            m.close();
        }
    }

    /**
     * A control frame, scanned whole (it is never fragmented) from {@code skip} on (a Close frame's
     * status code is not text). The same frame when nothing was found.
     */
    private WebSocketFrame control(WebSocketFrame f, int skip) {
        ByteBuf c = f.content();
        if (c.readableBytes() <= skip) {
            return f;
        }
        String payload = c.toString(c.readerIndex() + skip, c.readableBytes() - skip, StandardCharsets.ISO_8859_1);
        Redactions.Scanned s = echoes.scan(payload);
        if (s.redactions() == 0) {
            return f;
        }
        redactions += s.redactions();
        byte[] redacted = s.value().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf out = c.alloc().buffer(skip + redacted.length);
        out.writeBytes(c, c.readerIndex(), skip);
        if (skip + redacted.length <= MAX_CONTROL_PAYLOAD) {
            out.writeBytes(redacted);
        }
        WebSocketFrame n = f.replace(out);
        f.release();
        return n;
    }

    /** Closes the WebSocket: 1011 to the client, the upstream connection dropped; nothing more is relayed. */
    private void refuse(ChannelHandlerContext ctx) {
        endMessage();
        state = State.REFUSED;
        if (client.isActive()) {
            client.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INTERNAL_SERVER_ERROR,
                    "Keyway cannot scan a compressed or extended frame for echoed credentials"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        endMessage();
    }
}
