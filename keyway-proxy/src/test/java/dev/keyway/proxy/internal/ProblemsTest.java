package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.AuthFailure;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The status line of proxy-generated problems: a custom reason phrase only when it is safe to write. */
class ProblemsTest {
    private static final ProxyProblem P407 = new ProxyProblem(ErrorType.PROXY_AUTH_INVALID, "detail");

    @ParameterizedTest
    @EnumSource(AuthFailure.class)
    void everyAuthFailurePhraseIsWrittenAsIs(AuthFailure f) {
        assertThat(Problems.printableAscii(f.reasonPhrase())).isTrue();
        assertThat(f.reasonPhrase()).startsWith("Keyway ").hasSizeLessThanOrEqualTo(80);
        FullHttpResponse r = Problems.response(P407, "req_1", true, ByteBufAllocator.DEFAULT, f.reasonPhrase());
        try {
            assertThat(r.status().code()).isEqualTo(407);
            assertThat(r.status().reasonPhrase()).isEqualTo(f.reasonPhrase());
        } finally {
            r.release();
        }
    }

    static Stream<Arguments> phrases() {
        return Stream.of(
                // phrase, written as is?
                Arguments.of("Keyway token required", true),
                Arguments.of("x", true),
                Arguments.of("", false),
                Arguments.of("bad\r\nX-Injected: 1", false),
                Arguments.of("tab\there", false),
                Arguments.of("caf\u00e9", false),
                Arguments.of("del\u007f", false),
                Arguments.of("a".repeat(200), true),
                Arguments.of("a".repeat(201), false));
    }

    @ParameterizedTest
    @MethodSource("phrases")
    void anUnsafePhraseFallsBackToTheStandardOne(String phrase, boolean asIs) {
        FullHttpResponse r = Problems.response(P407, "req_1", true, ByteBufAllocator.DEFAULT, phrase);
        try {
            assertThat(r.status().reasonPhrase()).isEqualTo(asIs ? phrase : "Proxy Authentication Required");
        } finally {
            r.release();
        }
    }
}
