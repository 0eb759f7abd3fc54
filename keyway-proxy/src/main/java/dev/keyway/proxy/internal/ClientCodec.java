package dev.keyway.proxy.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP/1.1 codec of a client connection (plain proxy connection, or HTTP/1.1 inside an
 * intercepted tunnel) that parses <em>one request at a time</em>: once a request's last part is
 * decoded, the decoder stops and leaves whatever follows as raw bytes until {@link #resume} (the
 * {@link RequestSequencer} calls it when the response is complete). This is what keeps answers in
 * request order for pipelining clients, and what lets the bytes a client sends right behind a
 * {@code CONNECT} head (its TLS ClientHello) reach the tunnel untouched: when the codec is removed
 * for the tunnel, the bytes it did not parse are passed on as they are.
 *
 * <p>Replaces Netty's {@code HttpServerCodec}, which always parses every request it has bytes for;
 * like it, the encoder writes no body for a response to {@code HEAD} or a successful {@code CONNECT},
 * and a request with both {@code Transfer-Encoding} and {@code Content-Length} closes the connection
 * after its response (no second guess at where the next request starts).
 */
final class ClientCodec extends CombinedChannelDuplexHandler<ClientCodec.Decoder, ClientCodec.Encoder> {
    ClientCodec(HttpDecoderConfig config) {
        Decoder d = new Decoder(config);
        init(d, new Encoder(d));
    }

    /** The method of the request being answered (null before the first). */
    @Nullable HttpMethod method() {
        return inboundHandler().method;
    }

    /** The current request's framing was ambiguous (TE + CL): close after its response. */
    boolean mustClose() {
        return inboundHandler().mustClose;
    }

    /**
     * Parses the next request from the bytes already received (and then from new ones). Call on the
     * event loop with this codec's context.
     */
    void resume(ChannelHandlerContext codecCtx) {
        Decoder d = inboundHandler();
        if (!d.paused) {
            return;
        }
        d.paused = false;
        try {
            channelRead(codecCtx, Unpooled.EMPTY_BUFFER);
            channelReadComplete(codecCtx);
        } catch (Exception e) {
            codecCtx.fireExceptionCaught(e);
        }
    }

    static final class Decoder extends HttpRequestDecoder {
        boolean paused;
        boolean mustClose;
        @Nullable HttpMethod method;

        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf in, List<Object> out) throws Exception {
            if (paused) {
                // the next request stays raw bytes until the current one is answered; a pipelining
                // client sent some already: stop reading until then (RequestSequencer restarts it)
                if (in.isReadable()) {
                    ctx.channel().config().setAutoRead(false);
                }
                return;
            }
            int before = out.size();
            super.decode(ctx, in, out);
            for (int i = before; i < out.size(); i++) {
                Object m = out.get(i);
                if (m instanceof HttpRequest r) {
                    method = r.method();
                    mustClose = false;
                }
                if (m instanceof LastHttpContent) {
                    paused = true;
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            super.handleTransferEncodingChunkedWithContentLength(message);
            mustClose = true;
        }
    }

    static final class Encoder extends HttpResponseEncoder {
        private final Decoder decoder;

        Encoder(Decoder decoder) {
            this.decoder = decoder;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            HttpMethod m = decoder.method;
            if (HttpMethod.HEAD.equals(m)) {
                return true;
            }
            if (HttpMethod.CONNECT.equals(m) && msg.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.SUCCESS) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
