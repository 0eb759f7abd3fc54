/**
 * End-to-end load testing of the Keyway proxy: {@link dev.keyway.bench.Upstream} (a fast local
 * HTTPS origin), {@link dev.keyway.bench.LoadGen} (a Netty HTTPS load generator that goes direct or
 * through an HTTP CONNECT proxy) and {@link dev.keyway.bench.Report} (a markdown table of runs with
 * ratios to direct). Driven by {@code keyway-bench/run-e2e.sh}; never part of the normal build.
 */
@NullMarked
package dev.keyway.bench;

import org.jspecify.annotations.NullMarked;
