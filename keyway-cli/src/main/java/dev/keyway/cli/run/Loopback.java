package dev.keyway.cli.run;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Brings up {@code lo} in a fresh network namespace (it starts down, without 127.0.0.1), the one
 * thing {@link NamespaceInit} needs from the kernel that Java has no API for: {@code
 * ioctl(SIOCGIFFLAGS/SIOCSIFFLAGS)} on a datagram socket through the foreign-function API, so no
 * {@code ip} binary is needed inside. Linux only (x86-64 and AArch64 share these numbers).
 */
final class Loopback {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final short IFF_UP = 0x1;
    /** {@code struct ifreq}: 16 bytes of name, then a union whose first member is {@code short ifr_flags}. */
    private static final long IFREQ_SIZE = 40;
    private static final long IFR_FLAGS = 16;

    private Loopback() {}

    /** Sets {@code IFF_UP} on {@code lo}; throws with the errno when the kernel refuses. */
    static void up() throws IOException {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        StructLayout state = Linker.Option.captureStateLayout();
        VarHandle errno = state.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        Linker.Option capture = Linker.Option.captureCallState("errno");
        MethodHandle socket = linker.downcallHandle(libc.find("socket").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), capture);
        MethodHandle ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2), capture);
        MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(state);
            int fd = (int) socket.invokeExact(st, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("socket() failed: errno " + (int) errno.get(st, 0L));
            }
            try {
                MemorySegment ifr = arena.allocate(IFREQ_SIZE);
                ifr.copyFrom(MemorySegment.ofArray("lo\0".getBytes(StandardCharsets.US_ASCII)));
                if ((int) ioctl.invokeExact(st, fd, SIOCGIFFLAGS, ifr) < 0) {
                    throw new IOException("SIOCGIFFLAGS on lo failed: errno " + (int) errno.get(st, 0L));
                }
                short flags = ifr.get(JAVA_SHORT, IFR_FLAGS);
                ifr.set(JAVA_SHORT, IFR_FLAGS, (short) (flags | IFF_UP));
                if ((int) ioctl.invokeExact(st, fd, SIOCSIFFLAGS, ifr) < 0) {
                    throw new IOException("SIOCSIFFLAGS on lo failed: errno " + (int) errno.get(st, 0L)
                            + " (1 = EPERM: no CAP_NET_ADMIN in this namespace)");
                }
            } finally {
                int ignored = (int) close.invokeExact(fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot call libc: " + t, t);
        }
    }
}
