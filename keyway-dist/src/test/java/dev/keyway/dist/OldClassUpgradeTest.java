package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.Opcode;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build step that lifts picocli's Java 5 classes to a version the AOT cache can hold. */
class OldClassUpgradeTest {

    /** {@code public class NAME { public static int sign(int x) { return x > 0 ? 1 : x < 0 ? -1 : 0; } }} as the given version. */
    private static byte[] signClass(String name, int major) {
        return ClassFile.of().build(ClassDesc.of(name), cb -> cb
                .withVersion(major, 0)
                .withFlags(AccessFlag.PUBLIC, AccessFlag.SUPER)
                .withSuperclass(ConstantDescs.CD_Object)
                .withMethodBody("sign", MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_int),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, code -> {
                            var zero = code.newLabel();
                            code.iload(0).ifThen(Opcode.IFGT, t -> t.iconst_1().ireturn());
                            code.iload(0).branch(Opcode.IFGE, zero);
                            code.iconst_m1().ireturn();
                            code.labelBinding(zero);
                            code.iconst_0().ireturn();
                        }));
    }

    private static int callSign(byte[] bytes, String name, int x) throws Exception {
        ClassLoader loader = new ClassLoader(null) {
            @Override
            protected Class<?> findClass(String n) throws ClassNotFoundException {
                if (!n.equals(name)) {
                    throw new ClassNotFoundException(n);
                }
                return defineClass(n, bytes, 0, bytes.length);
            }
        };
        return (int) Class.forName(name, true, loader).getMethod("sign", int.class).invoke(null, x);
    }

    @Test
    void aJava5ClassBecomesVersion52WithStackMapsAndTheSameBehaviour() throws Exception {
        byte[] old = signClass("t.Sign", 49);
        ClassModel before = ClassFile.of().parse(old);
        assertThat(before.majorVersion()).isEqualTo(49);
        assertThat(before.methods().getFirst().code().orElseThrow().findAttribute(Attributes.stackMapTable())).isEmpty();

        byte[] upgraded = OldClassUpgrade.upgrade(OldClassUpgrade.classFile(getClass().getClassLoader()), old);

        ClassModel after = ClassFile.of().parse(upgraded);
        assertThat(after.majorVersion()).isEqualTo(52);
        assertThat(after.methods().getFirst().code().orElseThrow().findAttribute(Attributes.stackMapTable())).isPresent();
        // defined by a non-boot loader, so the split verifier checks it: a missing or wrong frame is a VerifyError
        for (int x : new int[] {-5, 0, 7}) {
            assertThat(callSign(upgraded, "t.Sign", x)).isEqualTo(Integer.signum(x)).isEqualTo(callSign(old, "t.Sign", x));
        }
    }

    @Test
    void aClassOfJava6OrLaterIsLeftAsItIs() {
        byte[] modern = signClass("t.Modern", 52);
        assertThat(OldClassUpgrade.upgrade(OldClassUpgrade.classFile(getClass().getClassLoader()), modern)).isSameAs(modern);
    }

    @Test
    void theJarKeepsItsEntriesInOrderAndOnlyOldClassesUnderThePrefixChange(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("app.jar");
        byte[] manifest = "Manifest-Version: 1.0\r\nMain-Class: x.Main\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] oldInPrefix = signClass("lib.Sign", 49);
        byte[] oldElsewhere = signClass("other.Sign", 49);
        byte[] text = "hello".getBytes(StandardCharsets.UTF_8);
        try (OutputStream f = Files.newOutputStream(jar); ZipOutputStream z = new ZipOutputStream(f)) {
            for (var e : List.of(new Object[] {JarFile.MANIFEST_NAME, manifest}, new Object[] {"lib/Sign.class", oldInPrefix},
                    new Object[] {"other/Sign.class", oldElsewhere}, new Object[] {"lib/notes.txt", text})) {
                z.putNextEntry(new ZipEntry((String) e[0]));
                z.write((byte[]) e[1]);
                z.closeEntry();
            }
        }

        assertThat(OldClassUpgrade.upgradeJar(jar, "lib/")).isEqualTo(1);

        try (ZipFile z = new ZipFile(jar.toFile())) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e : Collections.list(z.entries())) {
                names.add(e.getName());
            }
            assertThat(names).containsExactly(JarFile.MANIFEST_NAME, "lib/Sign.class", "other/Sign.class", "lib/notes.txt");
            assertThat(z.getInputStream(z.getEntry(JarFile.MANIFEST_NAME)).readAllBytes()).isEqualTo(manifest);
            assertThat(z.getInputStream(z.getEntry("lib/notes.txt")).readAllBytes()).isEqualTo(text);
            assertThat(z.getInputStream(z.getEntry("other/Sign.class")).readAllBytes()).isEqualTo(oldElsewhere);
            byte[] upgraded = z.getInputStream(z.getEntry("lib/Sign.class")).readAllBytes();
            assertThat(ClassFile.of().parse(upgraded).majorVersion()).isEqualTo(52);
            assertThat(callSign(upgraded, "lib.Sign", -3)).isEqualTo(-1);
        }
        assertThat(Files.exists(dir.resolve("app.jar.upgrading"))).isFalse();
    }
}
