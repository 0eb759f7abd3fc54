package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@code env}: {@code --ref NAME} is a variable of the Keyway server's environment. Useful where
 * the platform injects secrets as environment variables (systemd credentials, Kubernetes); the
 * value is read at each fetch, so a restart with a new value is picked up after the TTL.
 */
final class EnvSource implements SecretSource {
    private final Function<String, @Nullable String> env;

    EnvSource(Function<String, @Nullable String> env) {
        this.env = env;
    }

    @Override
    public void checkRef(String ref) throws SourceFailure {
        if (!ref.matches("[A-Za-z_][A-Za-z0-9_]{0,255}")) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        }
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        checkRef(ref);
        String v = env.apply(ref);
        if (v == null) {
            throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, "the server's environment has no variable " + ref);
        }
        return new Fetched(v.getBytes(StandardCharsets.UTF_8), "-");
    }
}
