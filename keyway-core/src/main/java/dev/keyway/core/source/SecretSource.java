package dev.keyway.core.source;

/**
 * One configured connection to an external secret store. Each store type (env, file, exec,
 * HashiCorp Vault...) is one implementation; the server's cache decides when to call it.
 *
 * <p>Implementations may block (network, files, processes): they are only ever called off the
 * proxy's event loops. They must be safe for concurrent use, must bound every wait (connect and
 * read timeouts), and must never put a secret value into a {@link SourceFailure} message or a log.
 */
public interface SecretSource {
    /**
     * Fetches the current value of {@code ref}.
     *
     * @throws SourceFailure with a precise {@link SourceFailure.Kind} when the store answered with
     *     an error or could not be reached
     */
    Fetched fetch(String ref) throws SourceFailure;

    /** Checks {@code ref}'s syntax without fetching; throws {@link SourceFailure.Kind#BAD_REF}. */
    default void checkRef(String ref) throws SourceFailure {
        if (ref.isBlank() || ref.length() > 1024) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "the reference must be 1-1024 characters");
        }
    }
}
