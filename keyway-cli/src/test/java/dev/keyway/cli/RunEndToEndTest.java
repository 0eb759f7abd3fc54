package dev.keyway.cli;

import static dev.keyway.cli.RunFixture.GIT_SECRET;
import static dev.keyway.cli.RunFixture.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway run} wrapping real, unmodified clients (curl, Python requests, a Node script, git,
 * a Java program using HttpClient and HttpURLConnection): each reaches a private HTTPS upstream
 * through the proxy with the credential injected, and none of them ever holds the secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunEndToEndTest {
    Path dir;
    RunFixture f;

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        dir = d;
        f = new RunFixture(dir);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    /** Agent mode: a token minted by the admin, handed over in the three variables. */
    private Map<String, String> agentEnv() throws Exception {
        Map<String, String> env = f.cleanEnv();
        env.put("KEYWAY_TOKEN", f.mint("default", "\"ttl\":\"1h\",\"display_name\":\"e2e agent\"").get("token").asString());
        env.put("KEYWAY_ADDR", f.base());
        env.put("KEYWAY_VAULT", "default");
        return env;
    }

    private static void assertNoSecretIn(Map<String, String> env) {
        assertThat(env).isNotNull();
        env.forEach((k, v) -> assertThat(v).as(k).doesNotContain(SECRET).doesNotContain(GIT_SECRET));
    }

    private void assertInjected(String path) {
        RecordedRequest req = f.received.get(path);
        assertThat(req).as("upstream request for " + path).isNotNull();
        assertThat(req.getHeaders().values("Authorization")).containsExactly("Bearer " + SECRET);
        assertThat(req.getHeaders().get("Proxy-Authorization")).isNull();
    }

    @Test
    void curlInHumanModeWithTheRunTokenRevokedAtExit() throws Exception {
        Path envFile = dir.resolve("curl-env.txt");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(f.cleanEnv(), child, "--data-dir", f.humanDataDir().toString(), "--addr", f.base(), "--", "sh", "-c",
                "env > \"$1\"; exec curl -sS --max-time 30 -H \"Authorization: Bearer $UP_KEY\" \"$2\"", "sh", envFile.toString(),
                f.upstreamUrl("/v1/curl"));
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(child.out).isEqualTo("hello from upstream /v1/curl");
        assertInjected("/v1/curl");
        String printed = Files.readString(envFile);
        assertThat(printed).doesNotContain(SECRET).contains("HTTPS_PROXY=http://kw_tok_").contains("UP_KEY=")
                .contains("CURL_CA_BUNDLE=");
        assertNoSecretIn(child.env);

        JsonNode t = f.admin("POST", "/v1/tokens/lookup", "{\"token\":\"" + child.env.get("KEYWAY_TOKEN") + "\"}");
        assertThat(t.get("revoked").asBoolean()).as("the run token is revoked when the child exits").isTrue();
        assertThat(t.get("display_name").asString()).startsWith("run sh on ");
        assertThat(t.get("type").asString()).isEqualTo("scoped");
    }

    @Test
    void pythonRequests() throws Exception {
        String python = pythonWithRequests();
        Path script = dir.resolve("probe.py");
        Files.writeString(script, """
                import os, sys, requests
                r = requests.get(sys.argv[1], headers={"Authorization": "Bearer " + os.environ["UP_KEY"]}, timeout=30)
                print(r.status_code, r.text)
                sys.exit(0 if r.status_code == 200 else 1)
                """);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", python, script.toString(), f.upstreamUrl("/v1/python"));
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(child.out).contains("200 hello from upstream /v1/python");
        assertInjected("/v1/python");
        assertNoSecretIn(child.env);
    }

    @Test
    void nodeScript() throws Exception {
        // Node 20 has no built-in env proxy support (NODE_USE_ENV_PROXY needs Node 24), so this
        // unmodified script reads HTTPS_PROXY itself, tunnels with CONNECT, and verifies TLS with
        // Node's default roots + NODE_EXTRA_CA_CERTS (the Keyway CA).
        Path script = dir.resolve("probe.js");
        Files.writeString(script, """
                const http = require('http'), https = require('https'), tls = require('tls');
                const proxy = new URL(process.env.HTTPS_PROXY);
                const target = new URL(process.argv[2]);
                const auth = 'Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':'
                    + decodeURIComponent(proxy.password)).toString('base64');
                const hostPort = target.hostname + ':' + target.port;
                const connect = http.request({host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: hostPort,
                    headers: {'Proxy-Authorization': auth, host: hostPort}});
                connect.on('connect', (res, socket) => {
                  if (res.statusCode !== 200) { console.error('CONNECT ' + res.statusCode); process.exit(2); }
                  const req = https.request({host: target.hostname, port: target.port, path: target.pathname,
                      headers: {Authorization: 'Bearer ' + process.env.UP_KEY},
                      createConnection: () => tls.connect({socket, servername: target.hostname})}, (resp) => {
                    let body = '';
                    resp.on('data', (d) => body += d);
                    resp.on('end', () => { console.log(resp.statusCode + ' ' + body); process.exit(resp.statusCode === 200 ? 0 : 1); });
                  });
                  req.on('error', (e) => { console.error(e.message); process.exit(3); });
                  req.end();
                });
                connect.on('error', (e) => { console.error(e.message); process.exit(4); });
                connect.end();
                """);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", Programs.require("node"), script.toString(), f.upstreamUrl("/v1/node"));
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(child.out).contains("200 hello from upstream /v1/node");
        assertInjected("/v1/node");
        assertNoSecretIn(child.env);
        assertThat(child.env).containsEntry("NODE_USE_ENV_PROXY", "1");
        assertThat(child.env.get("NODE_EXTRA_CA_CERTS")).endsWith("/keyway-ca.pem");
    }

    @Test
    void unmodifiedNodeFetchAndHttpsGoThroughKeyway() throws Exception {
        // Node.js below 24 ignores the proxy variables; the run's preload (NODE_OPTIONS=--require)
        // routes fetch (undici) and the https module through the proxy. Before it, both went direct.
        Path script = dir.resolve("plain.js");
        Files.writeString(script, """
                const https = require('https');
                const key = process.env.UP_KEY;
                (async () => {
                  const r = await fetch(process.argv[2], {headers: {Authorization: 'Bearer ' + key}});
                  console.log('fetch ' + r.status + ' ' + await r.text());
                  await new Promise((resolve, reject) => {
                    https.get(process.argv[3], {headers: {Authorization: 'Bearer ' + key}}, (res) => {
                      let body = '';
                      res.on('data', (d) => body += d);
                      res.on('end', () => { console.log('https ' + res.statusCode + ' ' + body); resolve(); });
                    }).on('error', reject);
                  });
                })().catch((e) => { console.error(e.cause ? e.cause.message : e.message); process.exit(1); });
                """);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", Programs.require("node"), script.toString(),
                f.upstreamUrl("/v1/node-fetch"), f.upstreamUrl("/v1/node-https"));
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(child.out).contains("fetch 200 hello from upstream /v1/node-fetch")
                .contains("https 200 hello from upstream /v1/node-https").doesNotContain(SECRET);
        assertInjected("/v1/node-fetch");
        assertInjected("/v1/node-https");
        assertThat(child.env.get("NODE_OPTIONS")).startsWith("--require ").endsWith("/keyway-node-preload.cjs");
        assertNoSecretIn(child.env);
    }

    @Test
    void gnuWgetTrustsTheKeywayCaThroughItsWgetrc() throws Exception {
        // wget ignores SSL_CERT_FILE; the run hands it the bundle with WGETRC (ca_certificate)
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", "sh", "-c",
                "exec \"$0\" -q -O - --header \"Authorization: Bearer $UP_KEY\" \"$1\"", Programs.require("wget"),
                f.upstreamUrl("/v1/wget"));
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(child.out).isEqualTo("hello from upstream /v1/wget");
        assertInjected("/v1/wget");
        assertThat(Files.exists(Path.of(child.env.get("WGETRC")))).as("removed with the run's temp dir").isFalse();
        assertNoSecretIn(child.env);
    }

    @Test
    void phpCurlExtensionAndHttpsStreamGoThroughKeyway() throws Exception {
        // PHP's curl extension hands libcurl PHP's own CA default (not CURL_CA_BUNDLE), and its https
        // stream wrapper ignores the proxy variables: the run's ini (PHP_INI_SCAN_DIR) sets curl.cainfo,
        // openssl.cafile and a prepend that points the default stream context at the proxy.
        String php = Programs.assume("php");
        Path script = dir.resolve("probe.php");
        Files.writeString(script, """
                <?php
                $key = getenv('UP_KEY');
                $c = curl_init($argv[1]);
                curl_setopt_array($c, [CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 30,
                    CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . $key]]);
                $body = curl_exec($c);
                if ($body === false) { fwrite(STDERR, 'curl: ' . curl_error($c) . "\n"); exit(1); }
                echo 'curl ', curl_getinfo($c, CURLINFO_RESPONSE_CODE), ' ', $body, "\n";
                $ctx = stream_context_get_default();
                stream_context_set_option($ctx, 'http', 'header', array_merge(
                    stream_context_get_options($ctx)['http']['header'] ?? [], ['Authorization: Bearer ' . $key]));
                $s = file_get_contents($argv[2]);
                if ($s === false) { exit(2); }
                echo 'stream ', $s, "\n";
                """);
        assumeTrue(phpHasCurl(php), "php without the curl extension (.ci/run installs php-curl)");
        Map<String, String> env = agentEnv();
        Path userIni = Files.createDirectories(dir.resolve("user-php.d"));
        Files.writeString(userIni.resolve("mine.ini"), "memory_limit = 77M\n");
        env.put("PHP_INI_SCAN_DIR", ":" + userIni);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--", php, script.toString(), f.upstreamUrl("/v1/php-curl"), f.upstreamUrl("/v1/php-stream"));
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("curl 200 hello from upstream /v1/php-curl")
                .contains("stream hello from upstream /v1/php-stream").doesNotContain(SECRET);
        assertInjected("/v1/php-curl");
        assertInjected("/v1/php-stream");
        assertThat(child.env.get("PHP_INI_SCAN_DIR")).as("the user's ini directory is kept, ours comes last")
                .startsWith(":" + userIni + ":").endsWith("/keyway-php.d");
        assertNoSecretIn(child.env);
    }

    @Test
    void phpKeepsTheUsersIniSettings() throws Exception {
        // the compiled-in scan directory (conf.d, where curl.ini lives) and the user's own stay read
        String php = Programs.assume("php");
        Path userIni = Files.createDirectories(dir.resolve("user-php-ini.d"));
        Files.writeString(userIni.resolve("mine.ini"), "memory_limit = 77M\n");
        Map<String, String> env = agentEnv();
        env.put("PHP_INI_SCAN_DIR", ":" + userIni);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--", php, "-r",
                "echo ini_get('memory_limit'), ' ', extension_loaded('curl') ? 'curl' : 'nocurl', ' ', ini_get('curl.cainfo') === getenv('SSL_CERT_FILE') ? 'cainfo' : 'nocainfo';");
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).isEqualTo("77M " + (phpHasCurl(php) ? "curl" : "nocurl") + " cainfo");
    }

    @Test
    void rubyNetHttpGoesThroughKeyway() throws Exception {
        // Net::HTTP reads https_proxy (with the token as proxy user) and OpenSSL's SSL_CERT_FILE; it
        // never proxies a target that resolves to a loopback address, so this one is not on localhost
        String ruby = Programs.assume("ruby");
        String url = f.lanUrl("/v1/ruby");
        assumeTrue(url != null, "this machine has no non-loopback IPv4 address");
        Path script = dir.resolve("probe.rb");
        Files.writeString(script, """
                require 'net/http'
                uri = URI(ARGV[0])
                Net::HTTP.start(uri.host, uri.port, use_ssl: true, open_timeout: 30, read_timeout: 30) do |http|
                  req = Net::HTTP::Get.new(uri)
                  req['Authorization'] = 'Bearer ' + ENV.fetch('UP_KEY')
                  res = http.request(req)
                  puts "ruby #{res.code} #{res.body}"
                  exit(res.code == '200' ? 0 : 1)
                end
                """);
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", ruby, script.toString(), url);
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("ruby 200 hello from upstream /v1/ruby").doesNotContain(SECRET);
        assertInjected("/v1/ruby");
        assertNoSecretIn(child.env);
    }

    @Test
    void goNetHttpGoesThroughKeyway() throws Exception {
        // net/http's ProxyFromEnvironment reads HTTPS_PROXY (userinfo becomes Proxy-Authorization) and
        // crypto/x509 reads SSL_CERT_FILE on Linux; it never proxies localhost or a loopback address
        String go = Programs.assume("go");
        String url = f.lanUrl("/v1/go");
        assumeTrue(url != null, "this machine has no non-loopback IPv4 address");
        Path src = Files.createDirectories(dir.resolve("goprobe"));
        Files.writeString(src.resolve("main.go"), """
                package main

                import (
                	"fmt"
                	"io"
                	"net/http"
                	"os"
                )

                func main() {
                	req, _ := http.NewRequest("GET", os.Args[1], nil)
                	req.Header.Set("Authorization", "Bearer "+os.Getenv("UP_KEY"))
                	res, err := http.DefaultClient.Do(req)
                	if err != nil {
                		fmt.Fprintln(os.Stderr, err)
                		os.Exit(2)
                	}
                	body, _ := io.ReadAll(res.Body)
                	fmt.Printf("go %d %s\\n", res.StatusCode, body)
                	if res.StatusCode != 200 {
                		os.Exit(1)
                	}
                }
                """);
        Path binary = dir.resolve("goprobe/probe");
        Map<String, String> buildEnv = f.cleanEnv();
        buildEnv.put("GOCACHE", dir.resolve("gocache").toString());
        buildEnv.put("GO111MODULE", "off");
        buildEnv.put("GOFLAGS", "");
        ProcessBuilder pb = new ProcessBuilder(go, "build", "-o", binary.toString(), "main.go").directory(src.toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(buildEnv);
        Process build = pb.start();
        String buildOut = new String(build.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(build.waitFor(5, TimeUnit.MINUTES) && build.exitValue() == 0).as("go build: " + buildOut).isTrue();
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", binary.toString(), url);
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("go 200 hello from upstream /v1/go").doesNotContain(SECRET);
        assertInjected("/v1/go");
        assertNoSecretIn(child.env);
    }

    @Test
    void denoFetchGoesThroughKeyway() throws Exception {
        // Deno reads HTTPS_PROXY (token in the URL) and DENO_CERT (the bundle) without flags
        String deno = Programs.assume("deno");
        Path script = dir.resolve("probe-deno.ts");
        Files.writeString(script, FETCH_SCRIPT.replace("ARG", "Deno.args[0]").replace("KEY", "Deno.env.get('UP_KEY')"));
        Map<String, String> env = agentEnv();
        env.put("DENO_DIR", dir.resolve("deno-dir").toString());
        env.put("DENO_NO_UPDATE_CHECK", "1");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--", deno, "run", "--allow-net", "--allow-env", script.toString(), f.upstreamUrl("/v1/deno"));
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("fetch 200 hello from upstream /v1/deno").doesNotContain(SECRET);
        assertInjected("/v1/deno");
        assertNoSecretIn(child.env);
    }

    @Test
    void bunFetchGoesThroughKeyway() throws Exception {
        // Bun reads HTTPS_PROXY and NODE_EXTRA_CA_CERTS
        String bun = Programs.assume("bun");
        Path script = dir.resolve("probe-bun.js");
        Files.writeString(script, FETCH_SCRIPT.replace("ARG", "process.argv[2]").replace("KEY", "process.env.UP_KEY"));
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", bun, script.toString(), f.upstreamUrl("/v1/bun"));
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("fetch 200 hello from upstream /v1/bun").doesNotContain(SECRET);
        assertInjected("/v1/bun");
        assertNoSecretIn(child.env);
    }

    /** An unmodified global-fetch program for Deno and Bun (ARG: the URL, KEY: the placeholder). */
    private static final String FETCH_SCRIPT = """
            const r = await fetch(ARG, {headers: {Authorization: 'Bearer ' + KEY}});
            console.log('fetch ' + r.status + ' ' + await r.text());
            if (r.status !== 200) { throw new Error('status ' + r.status); }
            """;

    private static boolean phpHasCurl(String php) throws Exception {
        Process p = new ProcessBuilder(php, "-r", "exit(extension_loaded('curl') ? 0 : 1);").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void gitCloneOfAPrivateRepository() throws Exception {
        Path clone = dir.resolve("clone");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(f.cleanEnv(), child, "--data-dir", f.humanDataDir().toString(), "--addr", f.base(), "--",
                Programs.require("git"), "clone", "-q", "https://localhost:" + f.git.port() + "/git/r.git", clone.toString());
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(Files.readString(clone.resolve("README"))).isEqualTo("hello through keyway run\n");
        assertThat(f.git.unauthorized.get()).as("every git request carried the injected credential").isZero();
        assertThat(f.git.served.get()).isPositive();
        assertNoSecretIn(child.env);
        assertThat(Files.readString(clone.resolve(".git/config"))).doesNotContain(GIT_SECRET);
    }

    @Test
    void javaHttpClientAndHttpUrlConnectionWithoutCodeChanges() throws Exception {
        Path src = dir.resolve("Probe.java");
        Files.writeString(src, """
                import java.net.HttpURLConnection;
                import java.net.URI;
                import java.net.http.HttpClient;
                import java.net.http.HttpRequest;
                import java.net.http.HttpResponse;

                public class Probe {
                    public static void main(String[] a) throws Exception {
                        String key = System.getenv("UP_KEY");
                        HttpClient c = HttpClient.newHttpClient();
                        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(a[0] + "/httpclient"))
                                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
                        System.out.println("httpclient " + r.statusCode() + " " + r.body());
                        HttpURLConnection u = (HttpURLConnection) URI.create(a[0] + "/urlconnection").toURL().openConnection();
                        u.setRequestProperty("Authorization", "Bearer " + key);
                        int code = u.getResponseCode();
                        System.out.println("urlconnection " + code + " " + new String(u.getInputStream().readAllBytes()));
                        System.exit(r.statusCode() == 200 && code == 200 ? 0 : 1);
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", java, src.toString(), f.upstreamUrl("/v1/java"));
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("httpclient 200 hello from upstream /v1/java/httpclient")
                .contains("urlconnection 200 hello from upstream /v1/java/urlconnection");
        assertInjected("/v1/java/httpclient");
        assertInjected("/v1/java/urlconnection");
        assertNoSecretIn(child.env);
        assertThat(child.env.get("JAVA_TOOL_OPTIONS")).doesNotContain(child.env.get("KEYWAY_TOKEN"));
    }

    @Test
    void aServiceOnLoopbackIsWarnedAboutBeforeTheProgramStarts() throws Exception {
        // the fixture's 'up' and 'git' services are on localhost: Go and Ruby programs would reach them directly
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", "true");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("up (localhost:" + f.upstream.getPort() + ")").contains("git (localhost:" + f.git.port() + ")")
                .contains("Go (net/http) and Ruby (Net::HTTP)");
        if (f.lanUpstream != null) {
            assertThat(r.err()).as("a service on a non-loopback address is not named").doesNotContain("lan (");
        }
        RunFixture.Cli quiet = f.run(agentEnv(), new CapturingLauncher(), "-q", "--", "true");
        assertThat(quiet.exit()).as(quiet.err()).isZero();
        assertThat(quiet.err()).doesNotContain("loopback");
    }

    @Test
    void trustFilesAreRemovedWhenTheChildExits() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--", "true");
        assertThat(r.exit()).as(r.err()).isZero();
        Path bundle = Path.of(child.env.get("SSL_CERT_FILE"));
        assertThat(bundle.getParent().getFileName().toString()).startsWith("keyway-run-");
        assertThat(bundle.getParent()).doesNotExist();
    }

    /** A python3 that can import requests: the one on PATH, else the system one (.ci/run installs python3-requests). */
    static String pythonWithRequests() throws Exception {
        List<String> candidates = new ArrayList<>();
        try {
            candidates.add(Programs.require("python3"));
        } catch (AssertionError e) {
            // none on PATH
        }
        candidates.add("/usr/bin/python3");
        for (String p : candidates) {
            if (!Files.isExecutable(Path.of(p))) {
                continue;
            }
            Process proc = new ProcessBuilder(p, "-c", "import requests").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (proc.waitFor(30, TimeUnit.SECONDS) && proc.exitValue() == 0) {
                return p;
            }
        }
        throw new AssertionError("no python3 with the requests module among " + candidates + " (.ci/run installs python3-requests)");
    }

    /** Finds programs on PATH. */
    static final class Programs {
        private Programs() {}

        static String require(String program) {
            for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(d, program);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
            throw new AssertionError(program + " is required on PATH for this test (.ci/run installs it)");
        }

        /** The program on PATH; the test is skipped (not failed) when it is missing. */
        static String assume(String program) {
            try {
                return require(program);
            } catch (AssertionError e) {
                assumeTrue(false, program + " is not installed (.ci/run installs it)");
                throw e;
            }
        }
    }
}
