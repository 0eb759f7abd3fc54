package dev.keyway.cli.keep;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The control-plane calls the keeper makes, each with an explicit token (the file's, a freshly
 * minted one, or the caller's own). Failures are {@link dev.keyway.cli.CliException}s carrying the
 * server's detail and the CLI exit code ({@code UNREACHABLE}, {@code PERMISSION}, ...).
 */
public interface KeepApi {
    /** The server's address, for messages. */
    String address();

    TokenFacts lookupSelf(String token);

    TokenFacts renewSelf(String token);

    /** Mints a periodic token as {@code authority}; returns the token and its accessor. */
    Minted mint(String authority, Expected e);

    /** Every token {@code authority} may manage. */
    List<TokenFacts> list(String authority);

    void revoke(String authority, String accessor);

    void revokeSelf(String token);

    /** A freshly minted token; {@link #toString()} hides it. */
    record Minted(String token, @Nullable String accessor) {
        @Override
        public String toString() {
            return "Minted[" + accessor + "]";
        }
    }
}
