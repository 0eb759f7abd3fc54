/**
 * Who is calling and what they may do. {@link dev.keyway.server.auth.ApiAuth} turns a bearer token
 * into a {@link dev.keyway.server.auth.Principal}; {@link dev.keyway.server.auth.Access} holds the
 * pure authorization rules (owner, vault roles proxy &lt; member &lt; admin, agents never read values),
 * tested as a table.
 */
@NullMarked
package dev.keyway.server.auth;

import org.jspecify.annotations.NullMarked;
