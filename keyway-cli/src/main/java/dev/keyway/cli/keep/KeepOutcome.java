package dev.keyway.cli.keep;

/**
 * The result of one keeper pass: one log line and an exit code. Success lines go to stdout,
 * failures to stderr; every failure kind has its own code so timers and monitors can tell them apart.
 */
public sealed interface KeepOutcome {
    int OK = 0;
    int UNREACHABLE = 2;
    int FILE_MISSING = 10;
    int FILE_EMPTY = 11;
    int FILE_UNREADABLE = 12;
    int EXPIRED = 13;
    int REVOKED = 14;
    int FOREIGN_CANNOT_MINT = 15;
    int RENEW_REFUSED = 16;
    int MINTED_TOKEN_REJECTED = 17;

    /** The documented codes, for {@code --help}. */
    String HELP = """
            Exit codes:
              0   the token was renewed, healed or reset
              1   usage error
              2   cannot reach the Keyway server (nothing changed)
              6   another server error (the log line has the detail)
              10  the token file does not exist
              11  the token file is empty
              12  the token file cannot be read or written
              13  the token has expired (it cannot be renewed any more)
              14  the token was revoked or is unknown to the server
              15  the file holds a foreign token that may not mint ours (file untouched)
              16  the server refused to renew our token (e.g. its max TTL is reached)
              17  the new token did not match what was asked for (revoked; file untouched)""";

    String line();

    int exitCode();

    /** Our token was renewed. */
    record Renewed(String line) implements KeepOutcome {
        @Override
        public int exitCode() {
            return OK;
        }
    }

    /** The file held a foreign token (or a reset was asked for): a fresh token replaced it. */
    record Healed(String line) implements KeepOutcome {
        @Override
        public int exitCode() {
            return OK;
        }
    }

    /** Nothing usable was done; the line says what was found and how to recover. */
    record Failed(int exitCode, String line) implements KeepOutcome {}
}
