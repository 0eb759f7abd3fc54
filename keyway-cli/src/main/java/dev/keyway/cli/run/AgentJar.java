package dev.keyway.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes the proxy-authentication Java agent ({@code dev.keyway.cli.agent}) as a small jar of its
 * own. The child JVM appends an agent jar to its class path, so handing it the whole Keyway jar
 * would put Netty, Jackson and friends in front of the program's own copies; this jar holds only
 * the agent's few Java 8 classes.
 */
public final class AgentJar {
    public static final String FILE_NAME = "keyway-agent.jar";
    static final String PACKAGE = "dev/keyway/cli/agent/";
    /** Every class of the agent package ({@code AgentJarTest} checks the list against the build output). */
    static final List<String> CLASSES = List.of("ProxyAuthAgent", "ProxyCredentials", "KeywayProxyAuthenticator",
            "KeywayProxySelector", "HttpClientAuthPatch", "HttpClientAuthPatch$Reader");

    private AgentJar() {}

    public static void write(Path jar) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Premain-Class", "dev.keyway.cli.agent.ProxyAuthAgent");
        a.putValue("Agent-Class", "dev.keyway.cli.agent.ProxyAuthAgent");
        a.putValue("Created-By", "keyway run");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            for (String c : CLASSES) {
                String name = PACKAGE + c + ".class";
                try (InputStream in = AgentJar.class.getClassLoader().getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IOException("the Keyway agent class " + name + " is missing from this build");
                    }
                    out.putNextEntry(new JarEntry(name));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }
}
