package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The pure decisions of {@code keyway run --isolate}: the probe's verdicts, the command line, the relayed addresses. */
class IsolationTest {
    static final Path UNSHARE = Path.of("/usr/bin/unshare");

    static Stream<Arguments> verdicts() {
        return Stream.of(
                Arguments.of("Linux", UNSHARE, 0, "", Isolation.State.AVAILABLE, "user and network namespaces work"),
                Arguments.of("Mac OS X", null, 0, "", Isolation.State.NOT_LINUX, "needs Linux network namespaces; this is Mac OS X"),
                Arguments.of("Windows 11", UNSHARE, 0, "", Isolation.State.NOT_LINUX, "this is Windows 11"),
                Arguments.of("Linux", null, 0, "", Isolation.State.NO_UNSHARE, "'unshare' (util-linux) is not on PATH"),
                Arguments.of("Linux", UNSHARE, 1, "unshare: unshare failed: Operation not permitted\n", Isolation.State.REFUSED,
                        "cannot create user and network namespaces: unshare: unshare failed: Operation not permitted; the kernel refuses"),
                Arguments.of("Linux", UNSHARE, 1, "unshare: write failed /proc/self/uid_map: Permission denied", Isolation.State.REFUSED,
                        "kernel.apparmor_restrict_unprivileged_userns=0"),
                Arguments.of("Linux", UNSHARE, 1, "unshare: unshare failed: No space left on device", Isolation.State.REFUSED,
                        "user.max_user_namespaces is exhausted or 0"),
                Arguments.of("Linux", UNSHARE, 1, "", Isolation.State.REFUSED, "cannot create user and network namespaces: exit status 1"));
    }

    @ParameterizedTest
    @MethodSource("verdicts")
    void probeVerdicts(String os, Path unshare, int exit, String stderr, Isolation.State state, String message) {
        Isolation.Probe p = Isolation.classify(os, unshare, exit, stderr);
        assertThat(p.state()).isEqualTo(state);
        assertThat(p.available()).isEqualTo(state == Isolation.State.AVAILABLE);
        assertThat(p.detail()).contains(message);
    }

    @Test
    void theCommandNestsTheProgramsUserNamespaceInsideTheNetworkOne() {
        List<String> cmd = Isolation.command(UNSHARE, List.of("/jdk/bin/java", "-cp", "k.jar"),
                List.of(new Isolation.Forward("127.0.0.1", 9791, Path.of("/tmp/r/proxy.sock"))), 1000, 100, List.of("curl", "-v", "--"));
        assertThat(cmd).containsExactly("/usr/bin/unshare", "--user", "--map-root-user", "--net", "--", "/jdk/bin/java", "-cp", "k.jar",
                NamespaceInit.class.getName(), "--forward", "127.0.0.1:9791=/tmp/r/proxy.sock", "--unshare", "/usr/bin/unshare",
                "--uid", "1000", "--gid", "100", "--", "curl", "-v", "--");
        NamespaceInit.Args a = NamespaceInit.Args.parse(cmd.subList(9, cmd.size()).toArray(String[]::new));
        assertThat(a.forwards()).containsExactly(new Isolation.Forward("127.0.0.1", 9791, Path.of("/tmp/r/proxy.sock")));
        assertThat(a.uid()).isEqualTo(1000);
        assertThat(a.gid()).isEqualTo(100);
        assertThat(a.program()).containsExactly("curl", "-v", "--");
        assertThat(Isolation.inner(UNSHARE, 1000, 100)).containsExactly("/usr/bin/unshare", "--user", "--map-user=1000",
                "--map-group=100", "--");
    }

    @Test
    void forwardsRoundTripIpv6() {
        Isolation.Forward f = new Isolation.Forward("::1", 9790, Path.of("/tmp/a=b/api.sock"));
        assertThat(f.argument()).isEqualTo("[::1]:9790=/tmp/a=b/api.sock");
        assertThat(Isolation.Forward.parse(f.argument())).isEqualTo(f);
    }

    static Stream<Arguments> apis() {
        Path s = Path.of("/r/api.sock");
        return Stream.of(
                Arguments.of("http://127.0.0.1:9790", List.of(new Isolation.Forward("127.0.0.1", 9790, s))),
                Arguments.of("http://localhost:9790", List.of(new Isolation.Forward("127.0.0.1", 9790, s), new Isolation.Forward("::1", 9790, s))),
                Arguments.of("http://[::1]:9790", List.of(new Isolation.Forward("::1", 9790, s))),
                Arguments.of("https://127.0.0.2", List.of(new Isolation.Forward("127.0.0.2", 443, s))),
                Arguments.of("https://keyway.example.com:9790", List.of()),
                Arguments.of("http://10.0.0.5:9790", List.of()),
                // the proxy's port on the namespace's loopback is taken by the proxy relay
                Arguments.of("http://127.0.0.1:9791", List.of()));
    }

    @ParameterizedTest
    @MethodSource("apis")
    void theApiIsRelayedOnlyWhenItIsOnThisMachinesLoopback(String addr, List<Isolation.Forward> expected) {
        assertThat(Isolation.apiForwards(addr, 9791, Path.of("/r/api.sock"))).isEqualTo(expected);
    }

    @Test
    void theRelayJvmNeverSeesTheProgramsJvmOptionsAndTheProgramGetsThemBack() {
        Map<String, String> program = new LinkedHashMap<>();
        program.put("PATH", "/bin");
        program.put("JAVA_TOOL_OPTIONS", "-javaagent:/r/keyway-agent.jar");
        program.put("_JAVA_OPTIONS", "-Xmx1g");
        program.put("KEYWAY_ISOLATE_SAVED_JDK_JAVA_OPTIONS", "stale");
        Map<String, String> relay = Isolation.relayEnvironment(program);
        assertThat(relay).doesNotContainKeys("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")
                .containsEntry("KEYWAY_ISOLATE_SAVED_JAVA_TOOL_OPTIONS", "-javaagent:/r/keyway-agent.jar")
                .doesNotContainKey("KEYWAY_ISOLATE_SAVED_JDK_JAVA_OPTIONS");
        Map<String, String> back = Isolation.programEnvironment(relay);
        assertThat(back).containsExactlyInAnyOrderEntriesOf(Map.of("PATH", "/bin", "JAVA_TOOL_OPTIONS", "-javaagent:/r/keyway-agent.jar",
                "_JAVA_OPTIONS", "-Xmx1g"));
    }
}
