package dev.keyway.server.web;

import dev.keyway.server.auth.Principal;

/**
 * A signed-in browser: the user's session token (from the HttpOnly cookie; it is never rendered),
 * the principal it authenticates, and the session's CSRF token (rendered into every form).
 */
public record WebSession(String token, Principal principal, String email, String csrf) {
    public boolean owner() {
        return principal.owner();
    }

    @Override
    public String toString() {
        return "WebSession[" + email + "]";
    }
}
