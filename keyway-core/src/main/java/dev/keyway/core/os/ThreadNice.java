package dev.keyway.core.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Lowers the CPU priority (the Linux nice value) of the calling thread, for background work that
 * shares cores with the proxy's event loops.
 *
 * <p>Why: a background thread that runs in bursts (a cluster node's audit shipper copies records to
 * the database a few hundred at a time) is not slow itself, but while it holds a core an event loop
 * that wakes up for a request waits for the scheduler to switch; requests then wait although the core
 * has time to spare (measured: docs/benchmarks.md, "Audit shipping, and the nice value of its
 * thread"). A higher nice value lets a waking event loop run first, while the background thread
 * still gets every idle cycle and a share of a saturated core. Java has no API for this, so it is
 * one {@code setpriority(PRIO_PROCESS, gettid(), nice)} call through the foreign-function API (Linux
 * applies it to that one thread). Raising one's own nice value needs no privilege.
 */
public final class ThreadNice {
    private static final int PRIO_PROCESS = 0;

    private ThreadNice() {}

    /**
     * Sets the calling thread's nice value to {@code nice} (0 to 19; only lowers priority). Returns
     * false, changing nothing, where that is not possible (not Linux, native access not granted).
     */
    public static boolean lower(int nice) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("nice value must be 0..19 (only lowering is allowed): " + nice);
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Optional<java.lang.foreign.MemorySegment> gettidSym = libc.find("gettid");
            Optional<java.lang.foreign.MemorySegment> setprioritySym = libc.find("setpriority");
            if (gettidSym.isEmpty() || setprioritySym.isEmpty()) {
                return false;
            }
            MethodHandle gettid = linker.downcallHandle(gettidSym.get(), FunctionDescriptor.of(JAVA_INT));
            MethodHandle setpriority = linker.downcallHandle(setprioritySym.get(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            int tid = (int) gettid.invokeExact();
            return (int) setpriority.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable e) { // IllegalCallerException without native access, linkage errors: best effort
            if (e instanceof Error err && !(e instanceof LinkageError)) {
                throw err;
            }
            return false;
        }
    }
}
