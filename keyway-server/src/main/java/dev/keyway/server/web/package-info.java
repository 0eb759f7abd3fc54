/**
 * The web console for operators, served by Keyway itself at {@code /}: server-rendered HTML
 * ({@link dev.keyway.server.web.Html}, escaping by default), a little progressive-enhancement
 * JavaScript and CSS from {@code resources/web/}, a session cookie and CSRF tokens. Every read and
 * change goes through the control-plane API in process ({@link dev.keyway.server.web.InProcessApi}),
 * so the console can do exactly what the API allows the signed-in user. Credential values are
 * write-only: no page ever contains one. See docs/ui.md.
 */
@NullMarked
package dev.keyway.server.web;

import org.jspecify.annotations.NullMarked;
