package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Table tests of the composite-value language: parsing, positions of errors, every function's vectors, bounds. */
class ValueExpressionTest {

    /** Credentials by name, as raw bytes (hex in the tables when a vector needs non-text bytes). */
    private static final Map<String, byte[]> CREDS = new HashMap<>();

    static {
        CREDS.put("EMAIL", utf8("jira@example.com"));
        CREDS.put("TOKEN", utf8("ATATT3x"));
        CREDS.put("FOOBAR", utf8("foobar"));
        CREDS.put("JEFE", utf8("Jefe"));
        CREDS.put("KEY_0B", repeat((byte) 0x0b, 20));
        CREDS.put("KEY_AA", repeat((byte) 0xaa, 131));
        CREDS.put("FBFF", new byte[] {(byte) 0xfb, (byte) 0xff});
        CREDS.put("MIXED", utf8("AbC-é-xYz"));
        CREDS.put("EMPTY", new byte[0]);
        CREDS.put("BIG", repeat((byte) 'a', 10_000));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] repeat(byte b, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, b);
        return out;
    }

    private static String eval(String source) {
        return new String(ValueExpression.evaluate(ValueExpression.parse(source), n -> {
            byte[] v = CREDS.get(n);
            if (v == null) {
                throw new IllegalStateException("no " + n);
            }
            return v;
        }), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // RFC 4648 §10 test vectors (base64, base16) over credential and literal inputs
        "base64(\"\") + \"x\"                  | x",
        "base64(\"f\")                         | Zg==",
        "base64(\"fo\")                        | Zm8=",
        "base64(\"foo\")                       | Zm9v",
        "base64(\"foob\")                      | Zm9vYg==",
        "base64(\"fooba\")                     | Zm9vYmE=",
        "base64(FOOBAR)                        | Zm9vYmFy",
        "hex(FOOBAR)                           | 666f6f626172",
        "hex(\"f\")                            | 66",
        "upper(hex(\"fooba\"))                 | 666F6F6261",
        // base64url differs from base64 exactly on 62 and 63 (RFC 4648 §5)
        "base64(FBFF)                          | +/8=",
        "base64url(FBFF)                       | -_8=",
        "base64url(FOOBAR)                     | Zm9vYmFy",
        // FIPS 180-2 appendix B.1 and the empty message
        "sha256(\"abc\")                       | ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha256(\"\")                          | e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        // RFC 4231 test cases 1, 2 and 6
        "hmac_sha256(KEY_0B, \"Hi There\")     | b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "hmac_sha256(JEFE, \"what do ya want for nothing?\") | 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "hmac_sha256(KEY_AA, \"Test Using Larger Than Block-Size Key - Hash Key First\") | 60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        // RFC 3986 unreserved characters stay, everything else is %XX (UTF-8 bytes, upper-case hex)
        "urlencode(\"a b&c/~_.-=é\")           | a%20b%26c%2F~_.-%3D%C3%A9",
        // ASCII-only case mapping: non-ASCII bytes unchanged
        "lower(MIXED)                          | abc-é-xyz",
        "upper(MIXED)                          | ABC-é-XYZ",
        // concatenation, literals with escapes, spacing
        "EMAIL + \":\" + TOKEN                 | jira@example.com:ATATT3x",
        "base64(EMAIL + \":\" + TOKEN)         | amlyYUBleGFtcGxlLmNvbTpBVEFUVDN4",
        "  base64 ( EMAIL+\":\"+TOKEN )        | amlyYUBleGFtcGxlLmNvbTpBVEFUVDN4",
        "\"a\\\"b\\\\c\" + \"}{\"              | a\"b\\c}{",
        "sha256(hex(\"abc\")) + \"-\" + lower(\"X\") | SHA256_OF_616263-x",
    })
    void evaluatesKnownVectors(String source, String expected) {
        // SHA256_OF_616263: computed independently with the JDK's MessageDigest
        assertThat(eval(source)).isEqualTo(expected.replace("SHA256_OF_616263", jdkSha256Hex("616263")));
    }

    private static String jdkSha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(utf8(s)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void hmacAcceptsAnEmptyKey() {
        // RFC 2104: an empty key is zero-padded like any short key; SecretKeySpec alone would refuse it
        assertThat(eval("hmac_sha256(\"\", \"\")"))
                .isEqualTo("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
        assertThat(eval("hmac_sha256(EMPTY, \"\")")).isEqualTo(eval("hmac_sha256(\"\", \"\")"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                        | expected a credential name, a \"literal\" or a function at position 0",
        "A +                       | at position 3 (the end of the expression)",
        "A B                       | unexpected 'B' at position 2",
        "lower                     | 'lower' at position 0 is not a credential reference",
        "lower_key                 | 'lower_key' at position 0 is not a credential reference",
        "Base64(A)                 | unknown function 'Base64' at position 0",
        "sha512(A)                 | unknown function 'sha512' at position 0; the functions are base64, base64url",
        "base64()                  | base64 at position 0 takes 1 argument, not 0",
        "base64(A, B)              | base64 at position 0 takes 1 argument, not 2",
        "X + hmac_sha256(A)        | hmac_sha256 at position 4 takes 2 arguments, not 1",
        "hmac_sha256(A, B, C)      | takes 2 arguments, not 3",
        "base64(A                  | unclosed '(' of base64 at position 0",
        "base64(A;                 | unexpected ';' at position 8: expected '+', ',' or ')'",
        "\"abc                     | unterminated string starting at position 0",
        "A + \"a\\nb\"             | unknown escape at position 6",
        "1A                        | unexpected '1' at position 0",
        "A + (B)                   | unexpected '(' at position 4",
        "A + $                     | unexpected '$' at position 4",
    })
    void refusesWithThePosition(String source, String message) {
        assertThatThrownBy(() -> ValueExpression.parse(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void controlCharactersInStringsAreRefused() {
        assertThatThrownBy(() -> ValueExpression.parse("\"a\rb\""))
                .hasMessageContaining("control character in the string at position 2");
    }

    @Test
    void nestingAndSizeAreBounded() {
        String deep16 = "base64(".repeat(16) + "A" + ")".repeat(16);
        assertThat(ValueExpression.parse(deep16).credentialNames()).containsExactly("A");
        String deep17 = "base64(".repeat(17) + "A" + ")".repeat(17);
        assertThatThrownBy(() -> ValueExpression.parse(deep17))
                .hasMessageContaining("functions nested deeper than 16 at position 112");
        String wide = String.join(" + ", java.util.Collections.nCopies(257, "A"));
        assertThatThrownBy(() -> ValueExpression.parse(wide)).hasMessageContaining("more than 256 parts");
        assertThatThrownBy(() -> ValueExpression.parseValue("{\"" + "x".repeat(5000) + "\"}"))
                .hasMessageContaining("longer than 4096");
        // 100,000 nested calls: refused at depth 17, never a StackOverflowError
        assertThatThrownBy(() -> ValueExpression.parse("upper(".repeat(100_000)))
                .hasMessageContaining("nested deeper");
    }

    @Test
    void tenKilobytesAreFine() {
        assertThat(eval("urlencode(\"%\" + BIG)")).hasSize(10_003);
        assertThat(eval("base64(BIG)")).hasSize(13_336);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "BIG + BIG",
        "hex(BIG)",
        "urlencode(\"/\" + hex(\"\" + BIG))",
        "urlencode(BIG + \"/\" + BIG)",
        "base64(BIG + BIG)",
        "lower(BIG + BIG)",
    })
    void outputIsBoundedTo16KiB(String source) {
        assertThatThrownBy(() -> eval(source))
                .isInstanceOf(ValueExpression.TooLarge.class)
                .hasMessageContaining("would be longer than 16384 bytes")
                .hasMessageNotContaining("aaaa");
    }

    @Test
    void evaluationWipesItsIntermediatesAndNeverTheCallersArrays() {
        List<byte[]> handed = new ArrayList<>();
        byte[] out = ValueExpression.evaluate(ValueExpression.parse("base64(EMAIL + \":\" + TOKEN)"), n -> {
            byte[] v = CREDS.get(n).clone();
            handed.add(v);
            return v;
        });
        assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("amlyYUBleGFtcGxlLmNvbTpBVEFUVDN4");
        // the lookup's arrays stay the caller's (the injector wipes them itself)
        assertThat(new String(handed.get(0), StandardCharsets.UTF_8)).isEqualTo("jira@example.com");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "A                                    | A",
        "base64( A+\":\"+B )                   | base64(A + \":\" + B)",
        "hmac_sha256(K,\"m\\\\\\\"\")          | hmac_sha256(K, \"m\\\\\\\"\")",
    })
    void sourceIsCanonicalAndReparses(String in, String canonical) {
        ValueExpression e = ValueExpression.parse(in);
        assertThat(e.source()).isEqualTo(canonical);
        assertThat(ValueExpression.parse(e.source())).isEqualTo(e);
    }

    @Test
    void valueSpecsForQueryAndSubstitute() {
        assertThat(ValueExpression.parseValue("GEMINI_API_KEY")).isEqualTo(new ValueExpression.Credential("GEMINI_API_KEY"));
        assertThat(ValueExpression.parseValue("{lower(A) + B}").credentialNames()).containsExactly("A", "B");
        assertThat(ValueExpression.valueSpec(ValueExpression.parseValue("{ A }"))).isEqualTo("A");
        assertThatThrownBy(() -> ValueExpression.parseValue("a-b")).hasMessageContaining("is not a credential name");
        assertThatThrownBy(() -> ValueExpression.parseValue("{A")).hasMessageContaining("unclosed '{' at position 0");
        assertThatThrownBy(() -> ValueExpression.parseValue("{A} ")).hasMessageContaining("unexpected '}' at position 2");
        assertThatThrownBy(() -> ValueExpression.parseValue("{md5(A)}")).hasMessageContaining("unknown function 'md5' at position 1");
        assertThat(ValueExpression.credentialNamesOfValue("{base64(U + \":\" + P)}")).isEqualTo(Set.of("U", "P"));
    }

    @Test
    void renameTouchesOnlyCredentials() {
        ValueExpression e = ValueExpression.parse("hmac_sha256(A, \"A\" + B)");
        assertThat(ValueExpression.rename(e, n -> n.equals("A") ? "KEY" : n).source())
                .isEqualTo("hmac_sha256(KEY, \"A\" + B)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}  | JIRA_EMAIL,JIRA_TOKEN",
        "token {GITHUB_TOKEN}                          | GITHUB_TOKEN",
        "{{literal}} {\"}\" + A}                          | A",
    })
    void templatesMixReferencesAndExpressions(String format, String names) {
        assertThat(String.join(",", ValueTemplate.credentialNames(format))).isEqualTo(names);
        assertThat(ValueTemplate.parse(ValueTemplate.format(ValueTemplate.parse(format))))
                .isEqualTo(ValueTemplate.parse(format));
    }

    @Test
    void aBareNameInBracesIsStillAReference() {
        assertThat(ValueTemplate.parse("token {GITHUB_TOKEN}")).containsExactly(
                new ValueTemplate.Part.Literal("token "), new ValueTemplate.Part.Reference("GITHUB_TOKEN"));
        assertThat(ValueTemplate.parse("{base64(A)}")).containsExactly(new ValueTemplate.Part.Expression(
                new ValueExpression.Call(ValueFunction.BASE64, List.of(new ValueExpression.Credential("A")))));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "Basic {base64(A) x}          | unexpected 'x' at position 17: expected '+' or the '}' closing the '{' at position 6",
        "Basic {base64(A)             | unclosed '{' at position 6",
        "{KEY                         | unclosed '{' at position 0",
        "{KEY}}                       | unmatched '}' at position 5",
        "{lower}                      | 'lower' at position 1 is not a credential reference",
        "x {sha1(A)}                  | unknown function 'sha1' at position 3",
    })
    void templateErrorsNameThePositionInTheTemplate(String format, String message) {
        assertThatThrownBy(() -> ValueTemplate.parse(format)).hasMessageContaining(message);
    }
}
