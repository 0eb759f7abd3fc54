package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunJavaToolOptionsTest {
    static final TrustFiles TRUST = new TrustFiles(Path.of("/t/ca-bundle.pem"), Path.of("/t/keyway-ca.pem"), Path.of("/t/truststore.p12"),
            "pw", Path.of("/t/keyway-agent.jar"), Path.of("/t/keyway-node-preload.cjs"), Path.of("/t/wgetrc"),
            Path.of("/t/keyway-php.d"));

    @Test
    void oursCarryTrustProxyAndAgentButNoCredentials() {
        List<String> o = JavaToolOptions.ours(TRUST, "127.0.0.1", 9791, "localhost|127.0.0.1");
        assertThat(o).contains("-javaagent:/t/keyway-agent.jar", "-Djavax.net.ssl.trustStore=/t/truststore.p12",
                "-Djavax.net.ssl.trustStoreType=PKCS12", "-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=9791",
                "-Dhttp.nonProxyHosts=localhost|127.0.0.1", "-Djdk.http.auth.tunneling.disabledSchemes=");
        assertThat(JavaToolOptions.ours(TRUST, "::1", 9791, "")).contains("-Dhttps.proxyHost=[::1]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty                   |                                                          | -Da=1",
        "user options kept       | -Xmx64m -Dfoo=bar                                        | -Xmx64m -Dfoo=bar -Da=1",
        "stale ours dropped      | -Xmx64m -Dhttps.proxyHost=old -javaagent:/x/keyway-agent.jar -Djavax.net.ssl.trustStore=/old | -Xmx64m -Da=1",
        "other agents kept       | -javaagent:/opt/otel.jar                                 | -javaagent:/opt/otel.jar -Da=1",
        "quoted values kept      | \"-Dname=a b\" -Dx=1                                      | \"-Dname=a b\" -Dx=1 -Da=1",
        "quoted stale dropped    | \"-Djavax.net.ssl.trustStore=/old dir/x\"                 | -Da=1",
    })
    void merge(String name, String existing, String expected) {
        assertThat(JavaToolOptions.merge(existing, List.of("-Da=1"))).isEqualTo(expected);
    }

    @Test
    void valuesWithSpacesAreQuoted() {
        assertThat(JavaToolOptions.merge(null, List.of("-Djavax.net.ssl.trustStore=/tmp/a b/t.p12")))
                .isEqualTo("\"-Djavax.net.ssl.trustStore=/tmp/a b/t.p12\"");
    }
}
