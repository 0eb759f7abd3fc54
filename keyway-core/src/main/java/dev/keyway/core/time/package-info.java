/** Human durations ({@code 30m}, {@code 8h}, {@code 7d}) as the API and the CLI parse and print them. */
@NullMarked
package dev.keyway.core.time;

import org.jspecify.annotations.NullMarked;
