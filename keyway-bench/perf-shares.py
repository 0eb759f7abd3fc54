#!/usr/bin/env python3
"""Where a profiled Keyway run's proxy-thread CPU goes, by owner.

Reads `perf script` output of a `perf record -g` of the server (run-vs-squid.sh with
PROFILE_KEYWAY=DIR KEEP_PERF=1 keeps DIR/perf.data) and prints the share of the proxy event-loop
threads' samples per area: the kernel by system call (a loopback send also runs the receiving
peer's TCP input in the sender's softirq, so it is the largest), BoringSSL, and JIT-compiled Java
by owner (Keyway's audit record, redaction and other code; Netty's HTTP codec, buffers, TLS glue
and pipeline; the JDK). Java frames get names from the JVM's perf map (the script asks the server
for one with `jcmd PID Compiler.perfmap`).

    perf script -i DIR/perf.data > DIR/script.txt
    python3 keyway-bench/perf-shares.py DIR/script.txt
"""
import collections
import re
import sys


def frames(sample):
    out = []
    for line in sample.strip().split('\n')[1:]:
        parts = line.strip().split(None, 1)
        out.append(parts[1] if len(parts) > 1 else '')
    return out


def area(fr):
    top = fr[0] if fr else ''
    joined = ' | '.join(fr)
    if 'tcnative' in top or ('memmove' in top and 'tcnative' in joined):
        return 'BoringSSL (crypto and its copies)'
    if any(k in joined for k in ('writev', 'sock_write_iter', 'tcp_sendmsg', '__send')):
        return 'kernel: send (incl. the loopback peer\'s TCP input)'
    if 'recvfrom' in joined or 'tcp_recvmsg' in joined:
        return 'kernel: recv'
    if 'epoll_wait' in joined or 'epoll_pwait' in joined:
        return 'kernel: epoll_wait'
    if 'futex' in joined:
        return 'kernel: futex'
    if 'kallsyms' in top:
        return 'kernel: other (context switches, ...)'
    if '/perf-' in top:
        return java_owner(top)
    if 'libjvm' in top:
        return 'JVM runtime (libjvm)'
    return 'other native (libc, vdso)'


def java_owner(t):
    if 'dev.keyway.store.audit' in t or 'AuditRecorder' in t or 'Audit' in t:
        return 'Java: Keyway audit record'
    if any(k in t for k in ('inject.Echo', 'StreamRedactor', 'ResponseScan', 'Redactions', 'PercentCodec')):
        return 'Java: Keyway redaction'
    if 'dev.keyway' in t:
        return 'Java: Keyway policy, injection, exchange'
    if any(k in t for k in ('codec.http', 'codec.Default', 'codec.Headers', 'HttpHeaders', 'AsciiString')):
        return 'Java: Netty HTTP codec and headers'
    if 'handler.ssl' in t or 'tcnative' in t:
        return 'Java: Netty TLS glue'
    if 'io.netty.buffer' in t or 'Recycler' in t or 'RefCnt' in t:
        return 'Java: Netty buffers'
    if 'io.netty' in t:
        return 'Java: Netty pipeline, promises, epoll'
    return 'Java: JDK and stubs'


def main(path, thread_prefix='keyway-proxy'):
    samples = open(path, errors='replace').read().split('\n\n')
    threads = collections.Counter()
    shares = collections.Counter()
    for s in samples:
        lines = s.strip().split('\n')
        if len(lines) < 2:
            continue
        threads[lines[0].split()[0]] += 1
        if lines[0].startswith(thread_prefix):
            shares[area(frames(s))] += 1
    total = sum(threads.values())
    print('threads (share of all samples):')
    for name, n in threads.most_common(6):
        print('  %5.1f%%  %s' % (100 * n / total, name))
    n = sum(shares.values())
    print('%s* threads, %d samples, by area:' % (thread_prefix, n))
    for name, k in shares.most_common():
        print('  %5.1f%%  %s' % (100 * k / n, name))


if __name__ == '__main__':
    main(*sys.argv[1:])
