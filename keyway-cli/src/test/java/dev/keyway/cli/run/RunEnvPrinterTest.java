package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunEnvPrinterTest {
    @ParameterizedTest
    @CsvSource({"kw_tok_a_b_c, kw_tok_****", "kw_agt_xyz, kw_agt_****", "kw_ses_q, kw_ses_****", "opaque, ****"})
    void mask(String token, String masked) {
        assertThat(EnvPrinter.maskToken(token)).isEqualTo(masked);
    }

    @Test
    void printEnvNeverShowsTheTokenAndShellQuotes() {
        ChildEnv.Result r = RunChildEnvTest.build(Map.of("FTP_PROXY", "x", "https_proxy", "y"), List.of(
                new ServiceInfo("s", "h", List.of(new ServiceInfo.EnvVar("K", "it's")))));
        List<String> p = EnvPrinter.printEnv(r, RunChildEnvTest.TOKEN);
        assertThat(String.join("\n", p)).doesNotContain(RunChildEnvTest.TOKEN).contains("KEYWAY_TOKEN=kw_tok_****")
                .startsWith("# removed from the inherited environment: FTP_PROXY");
        List<String> sh = EnvPrinter.shell(r);
        assertThat(sh).contains("unset FTP_PROXY", "export K='it'\\''s'", "export KEYWAY_TOKEN='" + RunChildEnvTest.TOKEN + "'");
        assertThat(sh).noneMatch(l -> l.equals("unset https_proxy"));
    }
}
