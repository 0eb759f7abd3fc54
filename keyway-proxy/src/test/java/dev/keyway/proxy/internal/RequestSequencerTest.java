package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ClientCodec} and {@link RequestSequencer} on an {@link EmbeddedChannel}: one request at a time. */
class RequestSequencerTest {
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final List<Object> seen = new ArrayList<>();

    RequestSequencerTest() {
        ch.pipeline().addLast("codec", new ClientCodec(new HttpDecoderConfig()));
        ch.pipeline().addLast("seq", new RequestSequencer());
        ch.pipeline().addLast("sink", new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                seen.add(msg);
            }
        });
    }

    @AfterEach
    void release() {
        seen.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private List<String> uris() {
        return seen.stream().filter(m -> m instanceof HttpRequest).map(m -> ((HttpRequest) m).uri()).toList();
    }

    private void answer() {
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(r);
        ch.runPendingTasks();
    }

    @Test
    void theNextPipelinedRequestIsParsedOnlyAfterTheResponse() {
        ch.writeInbound(bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
                + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertThat(uris()).containsExactly("/1");
        assertThat(seen.getLast()).isInstanceOf(LastHttpContent.class);
        assertThat(ch.config().isAutoRead()).as("reading pauses while /1 is answered").isFalse();
        answer();
        assertThat(uris()).containsExactly("/1", "/2");
        assertThat(ch.config().isAutoRead()).isFalse();
        answer();
        assertThat(uris()).containsExactly("/1", "/2", "/3");
        answer();
        assertThat(ch.config().isAutoRead()).as("idle again: reading resumes").isTrue();
    }

    @Test
    void aKeepAliveRequestLeavesReadingOnUntilANextOneArrivesEarly() {
        ch.writeInbound(bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertThat(uris()).containsExactly("/1");
        assertThat(ch.config().isAutoRead()).as("nothing came early: reading is not stopped and restarted").isTrue();
        ch.writeInbound(bytes("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertThat(uris()).as("parsed only after /1 is answered").containsExactly("/1");
        assertThat(ch.config().isAutoRead()).as("a pipelining client: reading pauses").isFalse();
        answer();
        assertThat(uris()).containsExactly("/1", "/2");
        answer();
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void anAnswerBeforeTheBodyEndedWaitsForTheBody() {
        ch.writeInbound(bytes("POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab"));
        answer(); // e.g. a 407 while the body is still arriving
        ch.writeInbound(bytes("cdGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"));
        ch.runPendingTasks();
        assertThat(uris()).containsExactly("/1", "/2");
    }

    @Test
    void bytesAfterAnAcceptedConnectStayRawForTheTunnel() {
        ch.writeInbound(bytes("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n\u0016\u0003\u0001tls-bytes"));
        assertThat(uris()).containsExactly("api.test:443");
        DefaultFullHttpResponse established = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ch.writeOutbound(established);
        ch.runPendingTasks();
        assertThat(uris()).as("never parsed as HTTP").hasSize(1);
        int before = seen.size();
        ch.pipeline().remove("seq");
        ch.pipeline().remove("codec"); // what the proxy does when the tunnel starts
        assertThat(seen.subList(before, seen.size())).singleElement().isInstanceOfSatisfying(ByteBuf.class,
                b -> assertThat(b.toString(StandardCharsets.ISO_8859_1)).isEqualTo("\u0016\u0003\u0001tls-bytes"));
    }
}
