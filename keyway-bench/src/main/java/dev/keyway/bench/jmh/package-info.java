/**
 * JMH micro-benchmarks of the per-request hot path: service matching, credential injection, leaf
 * minting and caching, credential decryption and token lookup. They exist to catch regressions and
 * to size the proxy (how much of a request's CPU budget each step takes); they never run in CI.
 * Build and run with {@code ./mvnw -Pbench -pl keyway-bench -am package -DskipTests} then {@code
 * java -jar keyway-bench/target/benchmarks.jar}.
 */
@NullMarked
package dev.keyway.bench.jmh;

import org.jspecify.annotations.NullMarked;
