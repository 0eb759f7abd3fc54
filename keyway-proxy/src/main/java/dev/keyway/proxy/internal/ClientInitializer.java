package dev.keyway.proxy.internal;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/**
 * Pipeline of a freshly accepted client connection: idle guard, header-read guard, HTTP/1.1 codec
 * with the configured limits, then request entry (CONNECT / absolute-form) and the exchange
 * handler used for plain {@code http://} forwarding.
 */
public final class ClientInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyContext px;

    public ClientInitializer(ProxyContext px) {
        this.px = px;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleCloser(px.config.clientIdleTimeout()));
        p.addLast("hdr-timeout", HeaderTimeouts.create(px, ""));
        p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(px.config.maxInitialLineLength())
                .setMaxHeaderSize(px.config.maxHeaderSize())
                .setMaxChunkSize(16 * 1024)));
        p.addLast("expect", new HttpServerExpectContinueHandler());
        p.addLast("entry", new EntryHandler(px));
        p.addLast("exchange", new ExchangeHandler(px, null, false));
    }
}
