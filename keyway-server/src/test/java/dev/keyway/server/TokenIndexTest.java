package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.crypto.Tokens;
import dev.keyway.store.TokenRecord;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Token verification against the in-memory index: only the hash is known; expiry and revocation apply. */
class TokenIndexTest {
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final String LIVE = Tokens.newToken("kw_tok_");
    static final String EXPIRED = Tokens.newToken("kw_tok_");
    static final String REVOKED = Tokens.newToken("kw_tok_");
    static final String NO_EXPIRY = Tokens.newToken("kw_adm_");

    static TokenRecord rec(String token, Instant expires, boolean revoked) {
        return new TokenRecord(Tokens.newId("tok_"), Tokens.newAccessor(), Tokens.hash(token), "scoped", "vlt_x", "proxy", "t",
                "test", NOW.minusSeconds(3600), expires, null, null, null, revoked, null, null, null);
    }

    static final TokenIndex INDEX = TokenIndex.of(List.of(
            rec(LIVE, NOW.plusSeconds(60), false),
            rec(EXPIRED, NOW, false),
            rec(REVOKED, NOW.plusSeconds(60), true),
            rec(NO_EXPIRY, null, false)));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(LIVE, null),
                Arguments.of(NO_EXPIRY, null),
                Arguments.of(EXPIRED, TokenIndex.Rejection.EXPIRED),
                Arguments.of(REVOKED, TokenIndex.Rejection.REVOKED),
                Arguments.of(LIVE + "x", TokenIndex.Rejection.UNKNOWN),
                Arguments.of(LIVE.substring(0, LIVE.length() - 1), TokenIndex.Rejection.UNKNOWN),
                Arguments.of("", TokenIndex.Rejection.UNKNOWN),
                Arguments.of("x".repeat(5000), TokenIndex.Rejection.UNKNOWN),
                Arguments.of(Tokens.newToken("kw_tok_"), TokenIndex.Rejection.UNKNOWN));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void verify(String token, TokenIndex.Rejection expected) {
        var r = INDEX.verify(token, NOW);
        if (expected == null) {
            assertThat(r).isInstanceOf(TokenIndex.Result.Valid.class);
        } else {
            assertThat(r).isInstanceOfSatisfying(TokenIndex.Result.Invalid.class, i -> {
                assertThat(i.reason()).isEqualTo(expected);
                // the id (never the value) of a token that exists is known, for the audit record
                if (expected == TokenIndex.Rejection.UNKNOWN) {
                    assertThat(i.tokenId()).isNull();
                } else {
                    assertThat(i.tokenId()).startsWith("tok_").isEqualTo(INDEX.byId(i.tokenId()).orElseThrow().id());
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void recordsHoldOnlyTheHash(String token, TokenIndex.Rejection ignored) {
        var r = INDEX.verify(token, NOW);
        if (r instanceof TokenIndex.Result.Valid v) {
            assertThat(v.token().toString()).doesNotContain(token);
            assertThat(new String(v.token().hash(), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(token);
        }
    }
}
