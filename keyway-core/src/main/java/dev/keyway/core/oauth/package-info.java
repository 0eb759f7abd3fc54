/**
 * OAuth-minted credentials (issue 12) as pure functions: the token request of each grant and
 * client authentication method (RFC 6749 §2.3.1, §4.4, §6), the classification of the token
 * endpoint's answer (§5.1, §5.2), and how long an access token is used. No I/O here: the server's
 * minter sends the request and persists rotated refresh tokens.
 */
@NullMarked
package dev.keyway.core.oauth;

import org.jspecify.annotations.NullMarked;
