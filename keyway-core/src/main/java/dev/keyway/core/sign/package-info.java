/**
 * Request signing beyond AWS: the pure parts of the {@code hmac} and {@code jwt} injections — the
 * string-to-sign template language ({@link dev.keyway.core.sign.SignTemplate}), the HMAC and JWT
 * signers and the PEM private-key reader. No I/O, no clock, no randomness: the caller supplies the
 * time and the nonce, so every function here is tested with tables and published vectors.
 */
@NullMarked
package dev.keyway.core.sign;

import org.jspecify.annotations.NullMarked;
