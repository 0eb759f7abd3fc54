# Sourced by ./keyway and keyway-bench/run-e2e.sh: the JVM options `keyway server` runs with by default.
# KEYWAY_JAVA_OPTS comes after them on the command line, so any of them can be overridden there.
#
# Why these (measured in docs/benchmarks.md, 2 cores, keep-alive proxy load):
# - SerialGC: the server's live set is small (snapshot, caches, connection state) and allocation is
#   short-lived per request; a young collection of it takes about a millisecond, and Serial has no
#   concurrent GC threads competing with the event loops on a small machine. Throughput matched G1
#   within noise; ParallelGC grew the process to about 1 GB.
# - -Xms32m -Xmx256m: default ergonomics size the heap from the machine's RAM (1/4 of it as the
#   maximum), so on a large host the proxy's RSS grows with the host, not with the load. 256 MB
#   holds the audit queue at its 100,000-record bound with room to spare.
# - ReservedCodeCacheSize=64m: the JIT-compiled code of the whole server fits in well under that;
#   the default reserve (240 MB) is only address space, but capping it bounds the worst case.
# - io.netty.leakDetection.level=disabled: Netty's default samples one buffer in 128 and records a
#   stack trace for it (an exception object per sample): about 1% of the proxy's CPU in a profile of
#   keep-alive requests (docs/benchmarks.md). The test suite runs with the paranoid level instead, so
#   a buffer leak fails a test rather than waiting for a production heap to show it.
KEYWAY_SERVER_JVM_OPTS=(-XX:+UseSerialGC -Xms32m -Xmx256m -XX:ReservedCodeCacheSize=64m
  -Dio.netty.leakDetection.level=disabled)
