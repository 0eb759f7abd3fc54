package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PHP_INI_SCAN_DIR for the child: PHP's compiled-in directory and the user's kept, an outer run's dropped, ours last. */
class RunPhpIniTest {
    static final Path DIR = Path.of("/run/k/keyway-php.d");

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "NULL                                | :/run/k/keyway-php.d",
        "''                                  | /run/k/keyway-php.d",
        "/etc/mine                           | /etc/mine:/run/k/keyway-php.d",
        ":/etc/mine                          | :/etc/mine:/run/k/keyway-php.d",
        ":/tmp/keyway-run-1/keyway-php.d     | :/run/k/keyway-php.d",
        "/a:/tmp/keyway-run-1/keyway-php.d/:/b | /a:/b:/run/k/keyway-php.d",
        "/etc/keyway-php.d.bak               | /etc/keyway-php.d.bak:/run/k/keyway-php.d",
    })
    void scanDir(String existing, String expected) {
        assertThat(PhpIni.scanDir(existing, DIR)).isEqualTo(expected);
    }

    @Test
    void iniTrustsTheBundleAndLoadsThePrepend() {
        assertThat(PhpIni.ini(Path.of("/r/ca-bundle.pem"), Path.of("/r/keyway-php-prepend.php"))).contains(
                "curl.cainfo = \"/r/ca-bundle.pem\"\n", "openssl.cafile = \"/r/ca-bundle.pem\"\n",
                "auto_prepend_file = \"/r/keyway-php-prepend.php\"\n");
    }

    @Test
    void aPathIniSyntaxCannotQuoteIsRefused() {
        assertThatThrownBy(() -> PhpIni.ini(Path.of("/r/\"x/ca.pem"), Path.of("/r/p.php"))).isInstanceOf(IllegalArgumentException.class);
    }
}
