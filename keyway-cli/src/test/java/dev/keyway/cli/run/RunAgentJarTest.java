package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunAgentJarTest {
    @Test
    void jarHoldsEveryAgentClassAsJava8ClassFiles(@TempDir Path dir) throws Exception {
        Path built = Path.of(AgentJar.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve(AgentJar.PACKAGE);
        List<String> classes = new ArrayList<>();
        try (Stream<Path> s = Files.list(built)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                    .map(n -> n.substring(0, n.length() - 6)).forEach(classes::add);
        }
        assertThat(AgentJar.CLASSES).containsExactlyInAnyOrderElementsOf(classes);

        Path jar = dir.resolve(AgentJar.FILE_NAME);
        AgentJar.write(jar);
        try (JarFile j = new JarFile(jar.toFile())) {
            assertThat(j.getManifest().getMainAttributes().getValue("Premain-Class")).isEqualTo("dev.keyway.cli.agent.ProxyAuthAgent");
            List<JarEntry> entries = Collections.list(j.entries());
            assertThat(entries).extracting(JarEntry::getName).filteredOn(n -> n.endsWith(".class")).hasSize(AgentJar.CLASSES.size())
                    .allMatch(n -> n.startsWith(AgentJar.PACKAGE));
            for (JarEntry e : entries) {
                if (e.getName().endsWith(".class")) {
                    try (InputStream in = j.getInputStream(e); DataInputStream d = new DataInputStream(in)) {
                        assertThat(d.readInt()).isEqualTo(0xCAFEBABE);
                        d.readUnsignedShort();
                        assertThat(d.readUnsignedShort()).as(e.getName() + " must load on Java 8").isEqualTo(52);
                    }
                }
            }
        }
    }
}
