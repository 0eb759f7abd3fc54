package dev.keyway.store.postgres;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension handing test classes a real PostgreSQL: one {@link PostgresServer} per test JVM
 * (kept in the root extension store, so JUnit stops it and deletes its files when the run ends),
 * and a fresh database per call of {@link #newDatabase()}.
 *
 * <p>Use: {@code @RegisterExtension static final PostgresExtension PG = new PostgresExtension();}.
 * When no PostgreSQL can be started the class fails in {@code beforeAll} with the reason; it does
 * not skip.
 */
public final class PostgresExtension implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PostgresExtension.class);

    private volatile PostgresServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(NS).computeIfAbsent("server", k -> {
            try {
                return PostgresServer.start();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, PostgresServer.class);
    }

    /** The JVM's cluster (started by {@code beforeAll}). */
    public PostgresServer server() {
        if (server == null) {
            throw new IllegalStateException("PostgresExtension must be registered as a static @RegisterExtension field");
        }
        return server;
    }

    /** A new empty database on the JVM's cluster. */
    public PostgresUrl newDatabase() {
        return server().newDatabase();
    }
}
