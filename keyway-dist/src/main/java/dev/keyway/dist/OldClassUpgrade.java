package dev.keyway.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step (keyway-dist/pom.xml, package phase, before the AOT cache is trained): rewrites the
 * classes under a package prefix of the shaded jar that are older than class-file version 50 (Java
 * 6) as version 52 with generated stack maps, the code itself unchanged.
 *
 * <p>Why: picocli is compiled for Java 5 (version 49). The JDK's AOT cache / CDS cannot hold such
 * classes once they were linked (they need the old type-inferring verifier), so every CLI call loaded
 * and verified picocli's ~175 classes from the jar: about 0.1 s of CPU of a 0.4 s {@code keyway
 * status} (docs/benchmarks.md, "CLI start"). Rewritten, they come from the cache like the rest.
 * Stack maps are computed by the JDK's {@code java.lang.classfile} API, resolving the class
 * hierarchy from the jar itself; the rewritten classes pass the split verifier
 * ({@code OldClassUpgradeTest}, and {@code DistributionIT} runs the jar).
 *
 * <p>Run: {@code java -cp keyway.jar dev.keyway.dist.OldClassUpgrade JAR PREFIX}; replaces JAR
 * atomically, keeping entry order, times and the manifest first.
 */
public final class OldClassUpgrade {
    static final int JAVA_6 = 50;
    static final int TARGET = 52;

    private OldClassUpgrade() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: OldClassUpgrade JAR PACKAGE_PREFIX (e.g. picocli/)");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        int n = upgradeJar(jar, args[1]);
        System.out.println("old-class-upgrade: rewrote " + n + " classes under " + args[1] + " in " + jar + " as version " + TARGET);
    }

    /** Rewrites the old classes under {@code prefix} in {@code jar} (in place); returns how many. */
    static int upgradeJar(Path jar, String prefix) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
        int rewritten = 0;
        try (URLClassLoader hierarchy = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                ZipFile in = new ZipFile(jar.toFile());
                OutputStream file = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(file)) {
            ClassFile cf = classFile(hierarchy);
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                byte[] bytes;
                try (InputStream is = in.getInputStream(e)) {
                    bytes = is.readAllBytes();
                }
                if (e.getName().startsWith(prefix) && e.getName().endsWith(".class")) {
                    byte[] upgraded = upgrade(cf, bytes);
                    if (upgraded != bytes) {
                        bytes = upgraded;
                        rewritten++;
                    }
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return rewritten;
    }

    /** A ClassFile context that generates stack maps, resolving classes from the JDK, then {@code loader}'s resources. */
    static ClassFile classFile(ClassLoader loader) {
        return ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
    }

    /** The class as version {@link #TARGET} with stack maps when it is older than Java 6; otherwise the same array. */
    static byte[] upgrade(ClassFile cf, byte[] classBytes) {
        ClassModel model = cf.parse(classBytes);
        if (model.majorVersion() >= JAVA_6) {
            return classBytes;
        }
        ClassTransform version = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        // rebuilding every method body (not copying it) is what makes the builder compute stack maps
        return cf.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL).andThen(version));
    }
}
