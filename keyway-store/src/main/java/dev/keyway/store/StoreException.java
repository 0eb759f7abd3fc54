package dev.keyway.store;

/** The database failed (I/O, corruption, lock timeout). Mapped to 503 {@code store-unavailable}. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
