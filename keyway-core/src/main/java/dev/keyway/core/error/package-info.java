/** Error kinds with stable problem-type URIs, and the exception that carries them to a boundary. */
@NullMarked
package dev.keyway.core.error;

import org.jspecify.annotations.NullMarked;
