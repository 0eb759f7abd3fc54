package dev.keyway.cli;

import static dev.keyway.cli.RunFixture.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keyway.cli.run.Isolation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyway run --isolate} with real processes in real namespaces: through the relayed proxy curl
 * gets its credential injected, while the same curl told to ignore the proxy, and a Node script that
 * dials the upstream itself, fail with a network error and never reach the upstream (the control runs
 * without {@code --isolate} show that they would have). Exit codes and SIGTERM pass through both
 * JVMs; an unavailable machine is refused with exit 7 before anything starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunIsolateTest {
    /** The child waits at most a minute, so a failed forward cannot leave it running for ever. */
    static final String BOUNDED_WAIT = "i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; exit 99";

    Path dir;
    RunFixture f;

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        long[] ids = Isolation.ids();
        Isolation.Probe p = Isolation.probe(System.getenv(), System.getProperty("os.name"), ids[0], ids[1]);
        assumeTrue(p.available(), "network namespaces are unavailable here: " + p.detail());
        dir = d;
        f = new RunFixture(dir);
    }

    @AfterAll
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private Map<String, String> agentEnv() throws Exception {
        Map<String, String> env = f.cleanEnv();
        env.put("KEYWAY_TOKEN", f.mint("default", "\"ttl\":\"1h\",\"display_name\":\"isolate\"").get("token").asString());
        env.put("KEYWAY_ADDR", f.base());
        env.put("KEYWAY_VAULT", "default");
        return env;
    }

    private void assertInjected(String path) {
        RecordedRequest req = f.received.get(path);
        assertThat(req).as("upstream request for " + path).isNotNull();
        assertThat(req.getHeaders().values("Authorization")).containsExactly("Bearer " + SECRET);
    }

    @Test
    void curlThroughTheRelayedProxyIsInjectedAndDirectCurlFails() throws Exception {
        String direct = f.upstreamUrl("/v1/iso-direct");
        String lan = f.lanUrl("/v1/iso-lan");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--isolate", "--no-install-skill", "--", "sh", "-c",
                "curl -sS --max-time 20 -H \"Authorization: Bearer $UP_KEY\" \"$1\"; echo; echo proxied=$?;"
                        + " curl -sS --max-time 20 --noproxy '*' -k \"$2\"; echo direct=$?;"
                        + " if [ -n \"$3\" ]; then curl -sS --max-time 20 --noproxy '*' -k \"$3\"; echo lan=$?; fi;"
                        + " cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; id -u",
                "sh", f.upstreamUrl("/v1/iso-curl"), direct, lan == null ? "" : lan);
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(child.out).contains("hello from upstream /v1/iso-curl").contains("proxied=0");
        assertInjected("/v1/iso-curl");
        // curl exit 7: could not connect (refused on the namespace's loopback; unreachable for the LAN address)
        assertThat(child.out).contains("direct=7");
        assertThat(f.received).doesNotContainKey("/v1/iso-direct");
        if (lan != null) {
            assertThat(child.out).contains("lan=7");
            assertThat(child.err).contains("Couldn't connect");
            assertThat(f.received).doesNotContainKey("/v1/iso-lan");
        }
        // the only interface is lo, and the program keeps the caller's uid
        List<String> lines = child.out.strip().lines().toList();
        assertThat(lines.get(lines.size() - 2)).isEqualTo("lo");
        assertThat(lines.getLast()).isEqualTo(Long.toString(Isolation.ids()[0]));
        assertThat(child.env.get("HTTPS_PROXY")).endsWith("@127.0.0.1:" + f.server.proxyPort());
        assertThat(child.command).contains("--net", Isolation.class.getPackageName() + ".NamespaceInit");
        assertThat(String.join(" ", child.command)).doesNotContain(child.env.get("KEYWAY_TOKEN"));
    }

    @Test
    void theProgramCannotReconfigureOrLeaveItsNamespace() throws Exception {
        // even when the caller is root: the program is in a user namespace nested under the one that owns
        // its network namespace, so it holds no capability over that network, nor over the host's
        String ip = Files.isExecutable(Path.of("/usr/sbin/ip")) ? "/usr/sbin/ip"
                : Files.isExecutable(Path.of("/sbin/ip")) ? "/sbin/ip" : RunEndToEndTest.Programs.require("ip");
        String nsenter = RunEndToEndTest.Programs.require("nsenter");
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--isolate", "--no-install-skill", "-q", "--", "sh", "-c",
                "\"$1\" link set lo down; echo down=$?; \"$1\" link add kwtest type dummy; echo add=$?;"
                        + " \"$2\" --net=/proc/1/ns/net true; echo enter=$?; curl -sS --max-time 20 -H \"Authorization: Bearer $UP_KEY\" \"$3\"",
                "sh", ip, nsenter, f.upstreamUrl("/v1/iso-after"));
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("down=2").contains("add=2").containsPattern("enter=[1-9]")
                .contains("hello from upstream /v1/iso-after");
        assertThat(child.err).contains("Operation not permitted");
        assertInjected("/v1/iso-after");
    }

    @Test
    void withoutIsolateTheSameDirectCurlReachesTheUpstream() throws Exception {
        // the control for the test above: the direct request is not failing for some other reason
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--no-install-skill", "--", "curl", "-sS", "--max-time", "20", "--noproxy", "*",
                "-k", f.upstreamUrl("/v1/iso-control"));
        assertThat(r.exit()).as(r.err() + child.err).isZero();
        assertThat(f.received.get("/v1/iso-control").getHeaders().get("Authorization")).isNull();
    }

    /** A Node script that ignores HTTPS_PROXY and the run's preload: its own agent, straight to the upstream. */
    private static final String DIRECT_NODE = """
            const https = require('https');
            https.get(process.argv[2], {agent: new https.Agent(), rejectUnauthorized: false}, (res) => {
              console.log('reached ' + res.statusCode); process.exit(0);
            }).on('error', (e) => { console.log('failed ' + e.code); process.exit(3); });
            """;

    @Test
    void aNodeScriptThatIgnoresTheProxyFailsInsteadOfGoingDirect() throws Exception {
        String node = RunEndToEndTest.Programs.assume("node");
        Path script = dir.resolve("direct.js");
        Files.writeString(script, DIRECT_NODE);
        String target = f.lanUrl("/v1/iso-node") != null ? f.lanUrl("/v1/iso-node") : f.upstreamUrl("/v1/iso-node");

        CapturingLauncher control = new CapturingLauncher();
        RunFixture.Cli c = f.run(agentEnv(), control, "--no-install-skill", "--", node, script.toString(), target + "-control");
        assertThat(c.exit()).as("without --isolate the script goes direct: " + control.out + control.err).isZero();
        assertThat(control.out).contains("reached 200");

        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--isolate", "--no-install-skill", "--", node, script.toString(), target);
        assertThat(r.exit()).as(child.out + child.err).isEqualTo(3);
        assertThat(child.out).containsAnyOf("failed ENETUNREACH", "failed ECONNREFUSED");
        assertThat(f.received).doesNotContainKey(target.substring(target.indexOf("/v1/")));
    }

    @Test
    void theProgramsExitStatusPassesThrough() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--isolate", "--no-install-skill", "-q", "--", "sh", "-c", "exit 7");
        assertThat(r.exit()).as(r.err() + child.err).isEqualTo(7);
        CapturingLauncher killed = new CapturingLauncher();
        RunFixture.Cli k = f.run(agentEnv(), killed, "--isolate", "--no-install-skill", "-q", "--", "sh", "-c", "kill -9 $$");
        assertThat(k.exit()).as("128+9 when the program is killed by SIGKILL").isEqualTo(137);
    }

    @Test
    void humanModeWithTheKeywayCliInsideTheNamespace() throws Exception {
        // the run's own token; the API on this machine's loopback is relayed too, so 'keyway discover' works inside
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(f.cleanEnv(), child, "--isolate", "--no-install-skill", "--data-dir", f.humanDataDir().toString(),
                "--addr", f.base(), "--", "sh", "-c", "keyway discover --json && curl -sS --max-time 20 -H \"Authorization: Bearer $UP_KEY\" \"$1\"",
                "sh", f.upstreamUrl("/v1/iso-human"));
        assertThat(r.exit()).as(r.err() + child.out + child.err).isZero();
        assertThat(child.out).contains("\"vault\"").contains("hello from upstream /v1/iso-human");
        assertInjected("/v1/iso-human");
        assertThat(r.err()).contains("isolated: own network namespace");
    }

    @Test
    void printEnvShowsTheIsolation() throws Exception {
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(agentEnv(), child, "--isolate", "--print-env", "--", "claude");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(child.started()).isFalse();
        assertThat(r.out()).contains("# isolated: own user and network namespaces; the program can reach only 127.0.0.1:"
                + f.server.proxyPort()).contains("# command: ").contains("--net").contains("NamespaceInit").contains(" -- claude")
                .contains("HTTPS_PROXY=http://kw_tok_****:default@127.0.0.1:" + f.server.proxyPort());
        assertThat(f.run(agentEnv(), child, "--isolate", "--shell").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unavailableIsolationFailsBeforeAnythingStarts() throws Exception {
        // no unshare on PATH
        Path empty = Files.createDirectories(dir.resolve("empty-path"));
        Map<String, String> env = agentEnv();
        env.put("PATH", empty.toString());
        CapturingLauncher child = new CapturingLauncher();
        RunFixture.Cli r = f.run(env, child, "--isolate", "--no-install-skill", "--", "sh", "-c", "echo started");
        assertThat(r.exit()).isEqualTo(ExitCodes.ISOLATION_UNAVAILABLE).isEqualTo(7);
        assertThat(r.err()).contains("--isolate: 'unshare' (util-linux) is not on PATH").contains("nothing was started");
        assertThat(child.started()).isFalse();

        // an unshare the kernel refuses (what a sysctl, AppArmor or seccomp makes util-linux print)
        Path refusing = Files.createDirectories(dir.resolve("refusing-path"));
        Path fake = refusing.resolve("unshare");
        Files.writeString(fake, "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        env.put("PATH", refusing + ":/usr/bin:/bin");
        RunFixture.Cli refused = f.run(env, child, "--isolate", "--no-install-skill", "--", "sh", "-c", "echo started");
        assertThat(refused.exit()).isEqualTo(7);
        assertThat(refused.err()).contains("cannot create user and network namespaces: unshare: unshare failed: Operation not permitted")
                .contains("kernel.unprivileged_userns_clone");
        assertThat(child.started()).isFalse();

        // not Linux
        RunFixture.Cli mac = runOn("Mac OS X", agentEnv(), child);
        assertThat(mac.exit()).isEqualTo(7);
        assertThat(mac.err()).contains("needs Linux network namespaces; this is Mac OS X");
        assertThat(child.started()).isFalse();
    }

    private RunFixture.Cli runOn(String os, Map<String, String> env, CapturingLauncher launcher) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        rc.environment = env;
        rc.launcher = launcher;
        rc.osName = os;
        int code = cl.execute("run", "--isolate", "--", "true");
        return new RunFixture.Cli(code, out.toString(), err.toString(), launcher);
    }

    @Test
    void sigtermToKeywayRunReachesTheIsolatedProgram() throws Exception {
        // a real 'keyway run' process (this module's classes): TERM goes to it, on to the relay JVM, on to the program
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT,TERM,HUP",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--isolate", "--no-install-skill", "-q",
                "--", "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; " + BOUNDED_WAIT));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(agentEnv());
        Path errFile = dir.resolve("sigterm.err");
        pb.redirectError(errFile.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("the child starts: " + Files.readString(errFile)).isEqualTo("ready");
            Process kill = new ProcessBuilder("kill", "-s", "TERM", Long.toString(p.pid())).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out.readLine()).isEqualTo("got-term");
            assertThat(p.exitValue()).as(Files.readString(errFile)).isEqualTo(42);
        } finally {
            p.destroyForcibly();
        }
    }
}
