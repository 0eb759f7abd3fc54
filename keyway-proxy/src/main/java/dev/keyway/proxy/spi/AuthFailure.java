package dev.keyway.proxy.spi;

/**
 * Why proxy authentication failed. It is audited ({@code reason}) so an operator can tell an agent
 * with an expired token from a client guessing, and it selects the 407's reason phrase: clients
 * such as curl show only the CONNECT status line ("CONNECT tunnel failed, response 407"; the phrase
 * itself in {@code -v} output and in Python's "Tunnel connection failed: 407 ..."), so the phrase
 * carries the essential hint. Phrases are short, ASCII and never contain a token or vault value.
 */
public enum AuthFailure {
    /** No {@code Proxy-Authorization} header: the normal first step of many clients. */
    MISSING("missing", "Keyway token required: set HTTPS_PROXY=http://TOKEN:VAULT@host:port"),
    /** A header that is not Basic/Bearer or not valid base64. */
    MALFORMED("malformed", "Keyway credentials malformed: use HTTPS_PROXY=http://TOKEN:VAULT@host:port"),
    /** No token has this value. */
    UNKNOWN_TOKEN("unknown-token", "Keyway token unknown: check the token in HTTPS_PROXY"),
    /** The token expired. */
    EXPIRED("expired", "Keyway token expired: create a new one (keyway token create)"),
    /** The token was revoked. */
    REVOKED("revoked", "Keyway token revoked: create a new one (keyway token create)"),
    /** The token is valid but not for the vault named (or implied) by the proxy URL, or that vault is gone. */
    WRONG_VAULT("wrong-vault", "Keyway token not valid for this vault: check VAULT in HTTPS_PROXY"),
    /** A token of a type that cannot use the proxy (e.g. a console session). */
    NOT_PROXY_TOKEN("not-proxy-token", "Keyway token cannot use the proxy: create one (keyway token create)"),
    /** Any other rejection (a policy that does not say why). */
    REJECTED("rejected", "Keyway proxy credentials rejected: see the response body");

    private final String slug;
    private final String reasonPhrase;

    AuthFailure(String slug, String reasonPhrase) {
        this.slug = slug;
        this.reasonPhrase = reasonPhrase;
    }

    /** The stable audit value ({@code reason}). */
    public String slug() {
        return slug;
    }

    /** The 407 status line's reason phrase (ASCII, no CR/LF, no secret). */
    public String reasonPhrase() {
        return reasonPhrase;
    }
}
