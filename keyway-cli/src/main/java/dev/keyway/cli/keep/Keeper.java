package dev.keyway.cli.keep;

import dev.keyway.cli.CliException;
import dev.keyway.cli.ExitCodes;
import dev.keyway.core.fs.OwnerOnly;
import dev.keyway.core.keep.KeepPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One pass of the token keeper over a token file (see {@code keyway token keep --help}):
 * renew our own token; never renew a foreign one but heal with its authority (the server decides
 * whether it may mint); fail loudly and leave the file alone when it cannot.
 *
 * @param recovery the exact command a human runs to repair the file by hand
 */
public record Keeper(KeepApi api, Path file, Expected expected, String recovery) {

    public KeepOutcome keepOnce() {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return new KeepOutcome.Failed(KeepOutcome.FILE_MISSING, "MISSING: the token file " + file
                    + " does not exist. Create it with: " + recovery);
        } catch (AccessDeniedException e) {
            return new KeepOutcome.Failed(KeepOutcome.FILE_UNREADABLE, "UNREADABLE: cannot read the token file " + file
                    + " (permission denied); run the keeper as the file's owner");
        } catch (IOException e) {
            return new KeepOutcome.Failed(KeepOutcome.FILE_UNREADABLE, "UNREADABLE: cannot read the token file " + file + ": " + e.getMessage());
        }
        if (token.isEmpty()) {
            return new KeepOutcome.Failed(KeepOutcome.FILE_EMPTY, "EMPTY: the token file " + file + " is empty. Fill it with: " + recovery);
        }
        TokenFacts facts;
        try {
            facts = api.lookupSelf(token);
        } catch (CliException e) {
            return rejected(e, "the token in " + file);
        }
        KeepPolicy.Verdict verdict = KeepPolicy.classify(facts.identity(), expected.expectation());
        if (KeepPolicy.action(verdict) == KeepPolicy.Action.HEAL && verdict instanceof KeepPolicy.Verdict.Foreign foreign) {
            return heal(token, facts, foreign);
        }
        try {
            TokenFacts r = api.renewSelf(token);
            return new KeepOutcome.Renewed("OK renewed " + expected.displayName() + " (accessor " + r.accessor() + ", period "
                    + expected.periodText() + ", expires " + r.expiresAt() + (r.maxExpiresAt() == null ? "" : ", max " + r.maxExpiresAt()) + ")");
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.UNREACHABLE) {
                return unreachable(e);
            }
            return new KeepOutcome.Failed(KeepOutcome.RENEW_REFUSED, "RENEW REFUSED: " + e.getMessage() + ". Replace the token with: "
                    + recovery);
        }
    }

    /**
     * Mints a fresh token with {@code authority}'s own rights (the server decides), checks it,
     * replaces the file, then sweeps the stale tokens with our display name. Used for a foreign token
     * in the file (heal) and for an explicit reset with the caller's credentials.
     */
    public KeepOutcome replaceUsing(String authority, String authorityName, String description, boolean healing) {
        KeepApi.Minted m;
        try {
            m = api.mint(authority, expected);
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.UNREACHABLE) {
                return unreachable(e);
            }
            return new KeepOutcome.Failed(KeepOutcome.FOREIGN_CANNOT_MINT, (healing ? "CLOBBERED: " + file + " holds " : "RESET FAILED: ")
                    + description + " that may not mint a periodic token for vault '" + expected.vault() + "' (server: "
                    + e.getMessage() + "); " + (healing ? "it was not renewed and the file was left untouched. Recover with: " + recovery
                    : file + " was left untouched"));
        }
        TokenFacts minted;
        try {
            minted = api.lookupSelf(m.token());
        } catch (CliException e) {
            return rejectMinted(m, "cannot look it up: " + e.getMessage());
        }
        if (KeepPolicy.classify(minted.identity(), expected.expectation()) instanceof KeepPolicy.Verdict.Foreign f) {
            return rejectMinted(m, "it has " + String.join(", ", f.differences()));
        }
        try {
            OwnerOnly.writeAtomically(file, m.token() + "\n");
        } catch (IOException e) {
            revokeQuietly(m);
            return new KeepOutcome.Failed(KeepOutcome.FILE_UNREADABLE, "UNWRITABLE: cannot replace " + file + ": " + e.getMessage()
                    + " (the new token was revoked again)");
        }
        String accessor = m.accessor() != null && !m.accessor().isBlank() ? m.accessor() : minted.accessor();
        List<String> failures = new ArrayList<>();
        int revoked = sweep(authority, accessor, failures);
        String tail = "(revoked " + revoked + " stale" + (failures.isEmpty() ? "" : "; could not revoke " + failures) + ")";
        return new KeepOutcome.Healed(healing ? "HEALED: re-minted periodic token from foreign " + authorityName + " " + tail
                : "RESET: minted a new periodic token with " + authorityName + " " + tail);
    }

    private KeepOutcome heal(String foreignToken, TokenFacts foreign, KeepPolicy.Verdict.Foreign f) {
        return replaceUsing(foreignToken, foreign.displayName(), "a foreign " + foreign.type() + " token '" + foreign.displayName()
                + "' (accessor " + foreign.accessor() + "; " + String.join(", ", f.differences()) + ")", true);
    }

    private int sweep(String authority, @Nullable String keepAccessor, List<String> failures) {
        if (keepAccessor == null || keepAccessor.isBlank()) {
            return 0; // fail safe: cannot tell the new token from the stale ones
        }
        List<String> stale;
        try {
            stale = KeepPolicy.staleAccessors(api.list(authority).stream().map(TokenFacts::identity).toList(),
                    expected.expectation(), keepAccessor);
        } catch (CliException e) {
            failures.add("listing failed: " + e.getMessage());
            return 0;
        }
        int n = 0;
        for (String a : stale) {
            try {
                api.revoke(authority, a);
                n++;
            } catch (CliException e) {
                failures.add(a);
            }
        }
        return n;
    }

    private KeepOutcome rejectMinted(KeepApi.Minted m, String why) {
        revokeQuietly(m);
        return new KeepOutcome.Failed(KeepOutcome.MINTED_TOKEN_REJECTED, "REJECTED: the newly minted token does not match what was "
                + "asked for (" + why + "); it was revoked and " + file + " was left untouched");
    }

    private void revokeQuietly(KeepApi.Minted m) {
        try {
            api.revokeSelf(m.token());
        } catch (CliException e) {
            // it was never written anywhere; it expires after one period
        }
    }

    private KeepOutcome rejected(CliException e, String what) {
        if (e.exitCode() == ExitCodes.UNREACHABLE) {
            return unreachable(e);
        }
        if (e.exitCode() != ExitCodes.PERMISSION) {
            return new KeepOutcome.Failed(ExitCodes.FAILURE, "FAILED: " + e.getMessage());
        }
        return switch (KeepPolicy.rejection(java.util.Objects.requireNonNullElse(e.getMessage(), ""))) {
            case EXPIRED -> new KeepOutcome.Failed(KeepOutcome.EXPIRED, "EXPIRED: " + what + " has expired and cannot be renewed. "
                    + "Replace it with: " + recovery);
            case REVOKED -> new KeepOutcome.Failed(KeepOutcome.REVOKED, "REVOKED: " + what + " has been revoked (" + e.getMessage()
                    + "). Replace it with: " + recovery);
            case INVALID -> new KeepOutcome.Failed(KeepOutcome.REVOKED, "INVALID: " + what + " is not known to " + api.address()
                    + " (" + e.getMessage() + "). Replace it with: " + recovery);
        };
    }

    private KeepOutcome unreachable(CliException e) {
        return new KeepOutcome.Failed(KeepOutcome.UNREACHABLE, "UNREACHABLE: " + e.getMessage() + "; nothing was changed, "
                + "the keeper will try again");
    }
}
