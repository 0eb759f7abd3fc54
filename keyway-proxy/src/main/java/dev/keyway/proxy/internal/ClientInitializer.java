package dev.keyway.proxy.internal;

import dev.keyway.core.limit.ConnectionLimiter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetAddress;

/**
 * Pipeline of a freshly accepted client connection: idle guard, header-read guard, HTTP/1.1 codec
 * with the configured limits that parses one request at a time ({@link ClientCodec},
 * {@link RequestSequencer}: in-order answers, half-close), then request entry (CONNECT / absolute-form) and the exchange
 * handler used for plain {@code http://} forwarding. A connection over the listener's connection
 * limits ({@link ConnectionLimiter}) is closed at once instead.
 */
public final class ClientInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyContext px;

    public ClientInitializer(ProxyContext px) {
        this.px = px;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        InetAddress client = ch.remoteAddress().getAddress();
        ConnectionLimiter.Admission admission = px.connections.tryAcquire(client);
        if (!admission.admitted()) {
            // Refused before anything is read: no buffer, no timer, no audit record per attempt (a
            // flood of them must not cost more than the close). The count is kept for the operator.
            ch.config().setOption(ChannelOption.SO_LINGER, 0); // reset: no TIME_WAIT left behind
            ch.close();
            px.refusalLog.warn("proxy connection from " + client.getHostAddress() + " refused ("
                    + (admission == ConnectionLimiter.Admission.REFUSED_TOTAL
                            ? "limit of " + px.connections.limits().maxTotal() + " open connections"
                            : "limit of " + px.connections.limits().maxPerAddress() + " open connections per address")
                    + " reached; " + px.connections.refused() + " refused since start)");
            return;
        }
        ch.closeFuture().addListener(f -> px.connections.release(client));
        configure(ch.pipeline(), px);
    }

    /** The proxy front for one client connection (also used on an {@code EmbeddedChannel} by the fuzz target). */
    static void configure(ChannelPipeline p, ProxyContext px) {
        p.addLast("idle", new IdleCloser(px.config.clientIdleTimeout()));
        p.addLast("hdr-timeout", HeaderTimeouts.create(px, ""));
        RequestSequencer.allowHalfClosure(p.channel(), true);
        p.addLast("codec", new ClientCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(px.config.maxInitialLineLength())
                .setMaxHeaderSize(px.config.maxHeaderSize())
                .setMaxChunkSize(16 * 1024)));
        p.addLast("expect", new HttpServerExpectContinueHandler());
        p.addLast("seq", new RequestSequencer());
        p.addLast("entry", new EntryHandler(px));
        p.addLast("exchange", new ExchangeHandler(px, null, false));
    }
}
