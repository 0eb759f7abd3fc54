package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

class TokensTest {
    static final java.util.List<String> PREFIXES = Tokens.PREFIXES;

    @ParameterizedTest
    @FieldSource("PREFIXES")
    void tokenIsPrefixPlus43Base64UrlCharacters(String prefix) {
        String token = Tokens.newToken(prefix);

        assertThat(token).startsWith(prefix).hasSize(prefix.length() + 43);
        assertThat(token.substring(prefix.length())).matches("[A-Za-z0-9_-]{43}");
        assertThat(java.util.Base64.getUrlDecoder().decode(token.substring(prefix.length()))).hasSize(32);
        assertThat(Tokens.looksLikeToken(token)).isTrue();
        assertThat(Tokens.looksLikeToken(token, prefix)).isTrue();
    }

    @Test
    void tokensAreUnique() {
        Set<String> tokens = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String token = Tokens.newToken(Tokens.AGENT_PREFIX);
            tokens.add(token);
            hashes.add(HexFormat.of().formatHex(Tokens.hash(token)));
        }
        assertThat(tokens).hasSize(10_000);
        assertThat(hashes).hasSize(10_000);
    }

    @Test
    void hashIsSha256OfUtf8() {
        // FIPS 180-2 test vector
        assertThat(HexFormat.of().formatHex(Tokens.hash("abc")))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String token = Tokens.newToken(Tokens.TOKEN_PREFIX);
        assertThat(Tokens.hash(token)).isEqualTo(Tokens.hash(new String(token.toCharArray())));
        assertThat(Tokens.hash("é")).isEqualTo(Tokens.hash("\u00e9")).isNotEqualTo(Tokens.hash("e\u0301"));
    }

    @Test
    void constantTimeEqualsComparesContent() {
        byte[] h = Tokens.hash("kw_tok_x");
        assertThat(Tokens.constantTimeEquals(h, Tokens.hash("kw_tok_x"))).isTrue();
        assertThat(Tokens.constantTimeEquals(h, Tokens.hash("kw_tok_y"))).isFalse();
        assertThat(Tokens.constantTimeEquals(new byte[] {1}, new byte[] {1, 0})).isFalse();
        assertThat(Tokens.constantTimeEquals(new byte[0], new byte[0])).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            kw_tok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  | true
            kw_adm_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234  | true
            kw_apr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA   | false
            kw_tok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA | false
            kw_tok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=  | false
            kw_tok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A  | false
            kw_tok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/A  | false
            kw_xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  | false
            KW_TOK_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  | false
            sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  | false
            kw_tok_                                             | false
            ''                                                  | false
            """)
    void looksLikeTokenChecksPrefixLengthAndAlphabet(String candidate, boolean expected) {
        assertThat(Tokens.looksLikeToken(candidate)).isEqualTo(expected);
    }

    @Test
    void looksLikeTokenHandlesNullAndWrongKind() {
        assertThat(Tokens.looksLikeToken(null)).isFalse();
        String session = Tokens.newToken(Tokens.SESSION_PREFIX);
        assertThat(Tokens.looksLikeToken(session, Tokens.AGENT_PREFIX)).isFalse();
    }

    @Test
    void idsAreShortLowerCaseBase32AndUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = Tokens.newId("tok_");
            assertThat(id).matches("tok_[a-z2-7]{20}");
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void accessorsHave24Characters() {
        assertThat(Tokens.newAccessor()).matches("acc_[a-z2-7]{24}");
        assertThat(Tokens.newAccessor()).isNotEqualTo(Tokens.newAccessor());
    }

    /** Every base32 character shows up: the alphabet mapping is not truncated or biased to a subset. */
    @Test
    void idsUseTheWholeAlphabet() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Tokens.newId("x_").substring(2).chars().forEach(seen::add);
        }
        assertThat(seen).hasSize(32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tok", "TOK_", "tok-", "_tok_", "tok__", "to k_", "kw_very_long_prefix_"})
    void rejectsBadPrefixes(String prefix) {
        assertThatThrownBy(() -> Tokens.newId(prefix)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tokens.newToken(prefix)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPrefixOfExactlySixteenCharactersIsAccepted() {
        String prefix = "abcdefghijklmno_"; // 16
        assertThat(Tokens.newToken(prefix)).startsWith(prefix);
        assertThatThrownBy(() -> Tokens.newToken("abcdefghijklmnop_")).isInstanceOf(IllegalArgumentException.class);
    }
}
