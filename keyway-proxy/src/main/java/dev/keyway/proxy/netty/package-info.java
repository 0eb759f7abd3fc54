/**
 * Netty handlers shared by both listeners (the proxy and the control-plane API), so that a
 * protection such as the header-read timeout is one implementation, not one copy per listener.
 * Public for that reason only; no vault, database or policy knowledge here.
 */
@NullMarked
package dev.keyway.proxy.netty;

import org.jspecify.annotations.NullMarked;
