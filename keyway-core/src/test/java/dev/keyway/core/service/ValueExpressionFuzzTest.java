package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for composite values ({@link ValueExpression}): parsing any text fails only with a
 * user-facing {@link IllegalArgumentException} (never a StackOverflowError or another exception);
 * every credential an expression reads is a valid credential name; the canonical source re-parses
 * to the same expression (so renaming and the cache key are faithful); and evaluating it, with
 * credentials of fuzzer-chosen sizes, either yields at most {@link ValueExpression#MAX_OUTPUT} bytes
 * or is refused with {@link ValueExpression.TooLarge}.
 */
class ValueExpressionFuzzTest {

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        int credentialSize = in.intIn(0, 12_000);
        boolean asValue = in.intIn(0, 1) == 1;
        String source = in.restText();
        ValueExpression e;
        try {
            e = asValue ? ValueExpression.parseValue(source) : ValueExpression.parse(source);
        } catch (IllegalArgumentException bad) {
            assertThat(bad.getMessage()).isNotBlank();
            return;
        }
        for (String name : e.credentialNames()) {
            assertThat(Names.isCredentialName(name)).as(name).isTrue();
        }
        assertThat(ValueExpression.parse(e.source())).isEqualTo(e);
        assertThat(ValueExpression.parseValue(ValueExpression.valueSpec(e))).isEqualTo(e);
        byte[] value = new byte[credentialSize];
        java.util.Arrays.fill(value, (byte) 'k');
        try {
            byte[] out = ValueExpression.evaluate(e, n -> value.clone());
            assertThat(out.length).isLessThanOrEqualTo(ValueExpression.MAX_OUTPUT);
        } catch (ValueExpression.TooLarge tooLarge) {
            assertThat(tooLarge.getMessage()).contains("16384").doesNotContain("kkkk");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, ValueExpressionFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(ValueExpressionFuzzTest.class);
    }
}
