package dev.keyway.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.net.Authenticator;
import java.net.InetAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The proxy-authentication agent's parts: credentials, the authenticator, the selector and the HttpClient patch. */
class RunAgentTest {
    @Test
    void credentialsComeFromTheProxyUrl() {
        ProxyCredentials c = ProxyCredentials.fromEnvironment(Map.of("https_proxy", "http://kw_tok_a%2Bb:team%20a@keyway:9791"));
        assertThat(c).isNotNull();
        assertThat(c.host).isEqualTo("keyway");
        assertThat(c.port).isEqualTo(9791);
        assertThat(c.user).isEqualTo("kw_tok_a+b");
        assertThat(new String(c.password)).isEqualTo("team a");
        assertThat(c.toString()).doesNotContain("kw_tok");
        assertThat(ProxyCredentials.parse("http://[::1]:9791")).isNull(); // no credentials: nothing to install
        assertThat(ProxyCredentials.fromEnvironment(Map.of())).isNull();
        assertThat(ProxyCredentials.parse("http://t:v@[::1]:9791").host).isEqualTo("::1");
    }

    @ParameterizedTest(name = "{0} {1}:{2} -> {3}")
    @CsvSource({"PROXY, keyway, 9791, true", "PROXY, KEYWAY, 9791, true", "PROXY, keyway, 9999, false", "PROXY, evil, 9791, false",
        "SERVER, keyway, 9791, false"})
    void authenticatorAnswersOnlyOurProxy(Authenticator.RequestorType type, String host, int port, boolean answers) throws Exception {
        KeywayProxyAuthenticator a = new KeywayProxyAuthenticator(new ProxyCredentials("keyway", 9791, "kw_tok_x", "v".toCharArray()));
        PasswordAuthentication pa = Authenticator.requestPasswordAuthentication(a, host, InetAddress.getByName("127.0.0.2"), port, "http",
                "keyway", "Basic", URI.create("https://api.example.com/").toURL(), type);
        assertThat(pa != null).isEqualTo(answers);
        if (pa != null) {
            assertThat(pa.getUserName()).isEqualTo("kw_tok_x");
            assertThat(new String(pa.getPassword())).isEqualTo("v");
        }
    }

    @ParameterizedTest(name = "{0} with NO_PROXY={1}: direct={2}")
    @CsvSource(delimiter = '|', value = {
        "https://localhost:8080/   | 127.0.0.1,::1          | false",
        "https://127.0.0.1:9790/   | 127.0.0.1,::1          | true",
        "https://[::1]:9790/       | 127.0.0.1,::1          | true",
        "https://api.corp.example/ | .corp.example          | true",
        "https://corp.example/     | *.corp.example         | true",
        "https://api.openai.com/   | corp.example           | false",
        "https://anything/         | *                      | true",
        "wss://api.openai.com/     | localhost              | false",
    })
    void selectorFollowsNoProxy(String uri, String noProxy, boolean direct) {
        ProxyCredentials c = new ProxyCredentials("keyway", 9791, "t", new char[0]);
        KeywayProxySelector s = new KeywayProxySelector(c, KeywayProxySelector.noProxyFrom(Map.of("NO_PROXY", noProxy)), null);
        List<Proxy> p = s.select(URI.create(uri));
        assertThat(p).hasSize(1);
        assertThat(p.getFirst().type() == Proxy.Type.DIRECT).isEqualTo(direct);
    }

    @Test
    void otherSchemesGoToThePreviousSelector() {
        ProxyCredentials c = new ProxyCredentials("keyway", 9791, "t", new char[0]);
        KeywayProxySelector s = new KeywayProxySelector(c, List.of(), null);
        assertThat(s.select(URI.create("socket://db:5432"))).containsExactly(Proxy.NO_PROXY);
    }

    @Test
    void httpClientBuilderPatchVerifiesAndStoresTheDefaultAuthenticator() throws Exception {
        byte[] original = Files.readAllBytes(FileSystems.getFileSystem(URI.create("jrt:/"))
                .getPath("modules/java.net.http/jdk/internal/net/http/HttpClientBuilderImpl.class"));
        byte[] patched = HttpClientAuthPatch.patch(original);
        assertThat(patched).isNotNull();
        assertThat(ClassFile.of().verify(patched)).isEmpty();
        ClassModel m = ClassFile.of().parse(patched);
        MethodModel init = m.methods().stream().filter(x -> x.methodName().equalsString("<init>")
                && x.methodType().equalsString("()V")).findFirst().orElseThrow();
        var code = init.code().orElseThrow().elementList();
        assertThat(code).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(InvokeInstruction.class,
                i -> assertThat(i.owner().asInternalName() + "." + i.name().stringValue()).isEqualTo("java/net/Authenticator.getDefault")));
        assertThat(code).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(FieldInstruction.class,
                i -> assertThat(i.name().stringValue()).isEqualTo("authenticator")));
        assertThat(new HttpClientAuthPatch().transform(null, "java/lang/String", null, null, original)).isNull();
    }

    @Test
    void unexpectedShapesAreLeftAlone() throws Exception {
        byte[] object = Files.readAllBytes(FileSystems.getFileSystem(URI.create("jrt:/")).getPath("modules/java.base/java/lang/Object.class"));
        assertThat(HttpClientAuthPatch.patch(object)).isNull(); // no authenticator field
        assertThat(HttpClientAuthPatch.patch(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})).isNull();
        assertThat(new HttpClientAuthPatch().transform(null, HttpClientAuthPatch.TARGET, null, null, new byte[] {(byte) 0xCA})).isNull();
    }
}
