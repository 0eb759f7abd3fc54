package dev.keyway.cli.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import org.jspecify.annotations.Nullable;

/**
 * Makes every {@code java.net.http.HttpClient} builder start with {@code Authenticator.getDefault()}
 * so the JDK client answers the proxy's challenge like {@code HttpURLConnection} does (by default it
 * has no authenticator at all and hands the 407 to the program). Code that sets its own
 * authenticator still wins: the builder's setter overwrites the default.
 *
 * <p>The change is one field store appended to the builder's no-argument constructor
 * ({@code this.authenticator = Authenticator.getDefault();}). It is made on the raw class file (the
 * agent runs on any JDK from 11, and cannot rely on a bytecode library or the JDK 24 ClassFile API),
 * and only when the constructor has exactly the expected simple shape: straight-line code ending in
 * {@code return}, no exception handlers and only debug attributes (which are dropped). Anything else
 * leaves the class unchanged.
 */
final class HttpClientAuthPatch implements ClassFileTransformer {
    static final String TARGET = "jdk/internal/net/http/HttpClientBuilderImpl";

    @Override
    public byte @Nullable [] transform(@Nullable ClassLoader loader, @Nullable String className, @Nullable Class<?> redefined,
            @Nullable ProtectionDomain domain, byte[] classfile) {
        if (!TARGET.equals(className)) {
            return null;
        }
        try {
            return patch(classfile);
        } catch (RuntimeException | IOException e) {
            return null;
        }
    }

    /** Returns the patched class file, or null when the class does not have the expected shape. */
    static byte @Nullable [] patch(byte[] b) throws IOException {
        Reader r = new Reader(b);
        if (r.u4() != 0xCAFEBABEL) {
            return null;
        }
        r.u2();
        r.u2();
        int cpCount = r.u2();
        int cpCountPos = 8;
        String[] utf8 = new String[cpCount];
        int i = 1;
        while (i < cpCount) {
            int tag = r.u1();
            switch (tag) {
                case 1:
                    int len = r.u2(); // read before moving pos (compound assignment reads pos first)
                    utf8[i] = new String(b, r.pos, len, StandardCharsets.UTF_8);
                    r.pos += len;
                    break;
                case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18:
                    r.pos += 4;
                    break;
                case 5: case 6:
                    r.pos += 8;
                    i++;
                    break;
                case 7: case 8: case 16: case 19: case 20:
                    r.pos += 2;
                    break;
                case 15:
                    r.pos += 3;
                    break;
                default:
                    return null;
            }
            i++;
        }
        int cpEnd = r.pos;
        r.u2(); // access
        int thisClass = r.u2();
        r.u2(); // super
        int interfaces = r.u2();
        r.pos += 2 * interfaces;
        boolean hasField = false;
        int fields = r.u2();
        for (int f = 0; f < fields; f++) {
            int access = r.u2();
            String name = utf8[r.u2()];
            String desc = utf8[r.u2()];
            if ("authenticator".equals(name) && "Ljava/net/Authenticator;".equals(desc) && (access & 0x0008) == 0) {
                hasField = true;
            }
            skipAttributes(r);
        }
        if (!hasField) {
            return null;
        }
        int methods = r.u2();
        for (int m = 0; m < methods; m++) {
            r.u2();
            String name = utf8[r.u2()];
            String desc = utf8[r.u2()];
            int attrs = r.u2();
            for (int a = 0; a < attrs; a++) {
                int attrStart = r.pos;
                String attrName = utf8[r.u2()];
                long attrLen = r.u4();
                int bodyStart = r.pos;
                if ("<init>".equals(name) && "()V".equals(desc) && "Code".equals(attrName)) {
                    return rewrite(b, cpCountPos, cpCount, cpEnd, thisClass, attrStart, bodyStart, (int) attrLen, utf8);
                }
                r.pos = bodyStart + (int) attrLen;
            }
        }
        return null;
    }

    private static byte @Nullable [] rewrite(byte[] b, int cpCountPos, int cpCount, int cpEnd, int thisClass, int attrStart,
            int bodyStart, int attrLen, String[] utf8) throws IOException {
        Reader r = new Reader(b);
        r.pos = bodyStart;
        int maxStack = r.u2();
        int maxLocals = r.u2();
        int codeLen = (int) r.u4();
        int codeStart = r.pos;
        r.pos += codeLen;
        if (codeLen < 1 || (b[codeStart + codeLen - 1] & 0xff) != 0xb1) {
            return null;
        }
        if (r.u2() != 0) {
            return null; // exception handlers
        }
        int subAttrs = r.u2();
        for (int s = 0; s < subAttrs; s++) {
            String n = utf8[r.u2()];
            long len = r.u4();
            if (!"LineNumberTable".equals(n) && !"LocalVariableTable".equals(n) && !"LocalVariableTypeTable".equals(n)) {
                return null; // e.g. a StackMapTable: branches we would have to re-frame
            }
            r.pos += (int) len;
        }
        if (r.pos != bodyStart + attrLen) {
            return null;
        }
        // New constant pool entries, appended (duplicates of existing entries are legal).
        int base = cpCount;
        int authUtf8 = base;
        int authClass = base + 1;
        int getDefaultUtf8 = base + 2;
        int getDefaultDesc = base + 3;
        int getDefaultNat = base + 4;
        int getDefaultRef = base + 5;
        int fieldUtf8 = base + 6;
        int fieldDesc = base + 7;
        int fieldNat = base + 8;
        int fieldRef = base + 9;
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 200);
        DataOutputStream d = new DataOutputStream(out);
        d.write(b, 0, cpCountPos);
        d.writeShort(cpCount + 10);
        d.write(b, cpCountPos + 2, cpEnd - cpCountPos - 2);
        utf8(d, "java/net/Authenticator");
        d.writeByte(7);
        d.writeShort(authUtf8);
        utf8(d, "getDefault");
        utf8(d, "()Ljava/net/Authenticator;");
        d.writeByte(12);
        d.writeShort(getDefaultUtf8);
        d.writeShort(getDefaultDesc);
        d.writeByte(10);
        d.writeShort(authClass);
        d.writeShort(getDefaultNat);
        utf8(d, "authenticator");
        utf8(d, "Ljava/net/Authenticator;");
        d.writeByte(12);
        d.writeShort(fieldUtf8);
        d.writeShort(fieldDesc);
        d.writeByte(9);
        d.writeShort(thisClass);
        d.writeShort(fieldNat);
        d.write(b, cpEnd, attrStart - cpEnd);
        // The new Code attribute: old code minus its final return, then the store, then return.
        byte[] added = {
            0x2a, // aload_0
            (byte) 0xb8, (byte) (getDefaultRef >> 8), (byte) getDefaultRef, // invokestatic Authenticator.getDefault
            (byte) 0xb5, (byte) (fieldRef >> 8), (byte) fieldRef, // putfield authenticator
            (byte) 0xb1 // return
        };
        int newCodeLen = codeLen - 1 + added.length;
        d.write(b, attrStart, 2); // attribute name index ("Code")
        d.writeInt(2 + 2 + 4 + newCodeLen + 2 + 2);
        d.writeShort(Math.max(maxStack, 2));
        d.writeShort(maxLocals);
        d.writeInt(newCodeLen);
        d.write(b, codeStart, codeLen - 1);
        d.write(added);
        d.writeShort(0); // no exception handlers
        d.writeShort(0); // debug attributes dropped
        int after = bodyStart + attrLen;
        d.write(b, after, b.length - after);
        d.flush();
        return out.toByteArray();
    }

    private static void utf8(DataOutputStream d, String s) throws IOException {
        d.writeByte(1);
        d.writeUTF(s);
    }

    private static void skipAttributes(Reader r) {
        int n = r.u2();
        for (int a = 0; a < n; a++) {
            r.u2();
            int len = (int) r.u4();
            r.pos += len;
        }
    }

    /** Big-endian reads over the class file bytes. */
    private static final class Reader {
        final byte[] b;
        int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        int u1() {
            return b[pos++] & 0xff;
        }

        int u2() {
            int v = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
            pos += 2;
            return v;
        }

        long u4() {
            long v = ((long) (b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            pos += 4;
            return v;
        }
    }
}
