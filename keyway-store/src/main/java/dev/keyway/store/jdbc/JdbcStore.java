package dev.keyway.store.jdbc;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.Store;
import dev.keyway.store.StoreException;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Store} in portable SQL; subclasses provide the connection ({@link #withConnection}),
 * recognise unique-key violations, and may control transactions ({@link #begin}, {@link #commit},
 * {@link #rollback}), e.g. to take a cross-process write lock.
 *
 * <p>Choices worth knowing:
 * <ul>
 *   <li>Timestamps are stored as epoch milliseconds; instants read back (and the ones returned by
 *       writes) are truncated to milliseconds, so a returned record equals its re-read.</li>
 *   <li>Every write method bumps the single-row {@code revision} counter in its transaction when it
 *       changed something (a delete of a missing row does not). The one exception is
 *       {@link #touchTokens}: last-use bookkeeping is written every few seconds and must not make
 *       every server rebuild its snapshots.</li>
 *   <li>Reads of an unknown vault's children return empty results; writes into an unknown vault
 *       are {@code NOT_FOUND}.</li>
 *   <li>A {@link RuntimeException} from a callback (encryption, re-wrapping) rolls the transaction
 *       back and propagates unchanged; {@link SQLException}s become {@link StoreException}s whose
 *       message names the operation and SQL state, never data.</li>
 * </ul>
 */
public abstract class JdbcStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    protected JdbcStore(Clock clock) {
        this.clock = clock;
    }

    /** Runs {@code work} on a connection in auto-commit mode, serialised as the subclass needs. */
    protected abstract <T> T withConnection(SqlWork<T> work) throws SQLException;

    /** True if {@code e} reports a duplicate primary or unique key. */
    protected abstract boolean isUniqueViolation(SQLException e);

    /**
     * Starts a write transaction. The default switches auto-commit off; a subclass may also take a
     * write lock here (PostgreSQL: {@code SELECT ... FOR UPDATE} on the {@code revision} row, which
     * serialises writers so read-then-write steps such as version numbering stay correct).
     */
    protected void begin(Connection c) throws SQLException {
        c.setAutoCommit(false);
    }

    /** Commits the transaction started by {@link #begin}. */
    protected void commit(Connection c) throws SQLException {
        c.commit();
        c.setAutoCommit(true);
    }

    /** Rolls back the transaction started by {@link #begin}. */
    protected void rollback(Connection c) throws SQLException {
        try {
            c.rollback();
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Short, data-free description of a database error for exception messages. */
    protected String describe(SQLException e) {
        return "SQLState " + e.getSQLState() + ", code " + e.getErrorCode();
    }

    // ---- transaction plumbing ----

    protected final <T> T read(String op, SqlWork<T> work) {
        try {
            return withConnection(work);
        } catch (SQLException e) {
            throw storeFailure(op, e);
        }
    }

    protected final <T> T write(String op, SqlWork<T> work) {
        try {
            return withConnection(c -> {
                begin(c);
                try {
                    T result = work.run(c);
                    commit(c);
                    return result;
                } catch (SQLException | RuntimeException | Error e) {
                    try {
                        rollback(c);
                    } catch (SQLException re) {
                        e.addSuppressed(re);
                    }
                    throw e;
                }
            });
        } catch (SQLException e) {
            throw storeFailure(op, e);
        }
    }

    private StoreException storeFailure(String op, SQLException e) {
        LOG.debug("store operation {} failed", op, e);
        return new StoreException("store operation " + op + " failed (" + describe(e) + ")", e);
    }

    /** Increments the change counter; returns true for use as a lambda result. */
    private static boolean bump(Connection c) throws SQLException {
        Rows.update(c, "UPDATE revision SET value = value + 1 WHERE id = 1");
        return true;
    }

    private static boolean bumpIf(Connection c, boolean changed) throws SQLException {
        if (changed) {
            bump(c);
        }
        return changed;
    }

    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    /** New vault id: {@code vlt_} + 16 lowercase base32 characters (80 random bits). */
    String newVaultId() {
        byte[] b = new byte[10];
        random.nextBytes(b);
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder sb = new StringBuilder("vlt_");
        long bits = 0;
        int n = 0;
        for (byte x : b) {
            bits = (bits << 8) | (x & 0xff);
            n += 8;
            while (n >= 5) {
                sb.append(alphabet.charAt((int) (bits >>> (n - 5)) & 31));
                n -= 5;
            }
        }
        return sb.toString();
    }

    // ---- meta ----

    @Override
    public Optional<String> meta(String key) {
        return read("meta", c -> {
            try (PreparedStatement ps = Rows.prepare(c, "SELECT value FROM meta WHERE key = ?", key)) {
                return Rows.one(ps, rs -> rs.getString(1));
            }
        });
    }

    @Override
    public void putMeta(String key, String value) {
        write("putMeta", c -> {
            VaultSql.putMeta(c, key, value);
            return bump(c);
        });
    }

    @Override
    public boolean putMetaIfAbsent(String key, String value) {
        return write("putMetaIfAbsent", c -> bumpIf(c, Rows.update(c,
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value) > 0));
    }

    @Override
    public long revision() {
        return read("revision", c -> {
            try (PreparedStatement ps = Rows.prepare(c, "SELECT value FROM revision WHERE id = 1")) {
                return Rows.one(ps, rs -> rs.getLong(1)).orElseThrow(() -> new SQLException("revision row missing"));
            }
        });
    }

    @Override
    public boolean ping() {
        try {
            return read("ping", c -> {
                try (PreparedStatement ps = Rows.prepare(c, "SELECT 1")) {
                    return Rows.one(ps, rs -> rs.getInt(1) == 1).orElse(false);
                }
            });
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---- vaults ----

    @Override
    public VaultRecord createVault(String name, byte[] wrappedKey, String actor) {
        return write("createVault", c -> {
            VaultRecord v = VaultSql.create(c, newVaultId(), name, wrappedKey, actor, now());
            bump(c);
            return v;
        });
    }

    @Override
    public List<VaultRecord> listVaults() {
        return read("listVaults", VaultSql::list);
    }

    @Override
    public Optional<VaultRecord> vaultByName(String name) {
        return read("vaultByName", c -> VaultSql.byName(c, name));
    }

    @Override
    public Optional<VaultRecord> vaultById(String id) {
        return read("vaultById", c -> VaultSql.byId(c, id));
    }

    @Override
    public boolean deleteVault(String id) {
        return write("deleteVault", c -> bumpIf(c, VaultSql.delete(c, id)));
    }

    @Override
    public void setUnmatchedPolicy(String vaultId, String policy) {
        write("setUnmatchedPolicy", c -> {
            VaultSql.setPolicy(c, vaultId, policy);
            return bump(c);
        });
    }

    @Override
    public void rewrapVaultKeys(Function<VaultRecord, byte[]> rewrap, Map<String, String> metaUpdates) {
        write("rewrapVaultKeys", c -> {
            VaultSql.rewrap(c, rewrap, metaUpdates);
            return bump(c);
        });
    }

    // ---- credentials ----

    @Override
    public CredentialRecord putCredential(String vaultId, String name, @Nullable String description, String actor,
            IntFunction<byte[]> encryptForVersion) {
        return write("putCredential", c -> {
            CredentialRecord r = CredentialSql.put(c, vaultId, name, description, actor, encryptForVersion, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<CredentialRecord> listCredentials(String vaultId) {
        return read("listCredentials", c -> CredentialSql.list(c, vaultId));
    }

    @Override
    public Optional<CredentialRecord> credential(String vaultId, String name) {
        return read("credential", c -> CredentialSql.get(c, vaultId, name));
    }

    @Override
    public boolean deleteCredential(String vaultId, String name) {
        return write("deleteCredential", c -> bumpIf(c, CredentialSql.delete(c, vaultId, name)));
    }

    // ---- services ----

    @Override
    public ServiceRecord putService(String vaultId, String name, String specJson, boolean enabled, String actor) {
        return write("putService", c -> {
            ServiceRecord r = ServiceSql.put(c, vaultId, name, specJson, enabled, actor, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<ServiceRecord> listServices(String vaultId) {
        return read("listServices", c -> ServiceSql.list(c, vaultId));
    }

    @Override
    public Optional<ServiceRecord> service(String vaultId, String name) {
        return read("service", c -> ServiceSql.get(c, vaultId, name));
    }

    @Override
    public boolean deleteService(String vaultId, String name) {
        return write("deleteService", c -> bumpIf(c, ServiceSql.delete(c, vaultId, name)));
    }

    @Override
    public boolean setServiceEnabled(String vaultId, String name, boolean enabled, String actor) {
        return write("setServiceEnabled",
                c -> bumpIf(c, ServiceSql.setEnabled(c, vaultId, name, enabled, actor, now())));
    }

    @Override
    public void replaceServices(String vaultId, List<ServiceSpec> services, String actor) {
        write("replaceServices", c -> {
            ServiceSql.replace(c, vaultId, services, actor, now());
            return bump(c);
        });
    }

    // ---- tokens ----

    @Override
    public void insertToken(TokenRecord token) {
        write("insertToken", c -> {
            try {
                TokenSql.insert(c, token);
            } catch (SQLException e) {
                if (isUniqueViolation(e)) {
                    throw KeywayException.conflict("a token with this id, accessor or hash already exists");
                }
                throw e;
            }
            return bump(c);
        });
    }

    @Override
    public Optional<TokenRecord> tokenByHash(byte[] hash) {
        return read("tokenByHash", c -> TokenSql.by(c, "hash", hash));
    }

    @Override
    public Optional<TokenRecord> tokenById(String id) {
        return read("tokenById", c -> TokenSql.by(c, "id", id));
    }

    @Override
    public Optional<TokenRecord> tokenByAccessor(String accessor) {
        return read("tokenByAccessor", c -> TokenSql.by(c, "accessor", accessor));
    }

    @Override
    public List<TokenRecord> listTokens(@Nullable String vaultId) {
        return read("listTokens", c -> TokenSql.list(c, vaultId));
    }

    @Override
    public boolean revokeToken(String id) {
        return write("revokeToken", c -> bumpIf(c, TokenSql.revoke(c, id)));
    }

    @Override
    public boolean updateTokenExpiry(String id, Instant expiresAt) {
        return write("updateTokenExpiry", c -> bumpIf(c, TokenSql.updateExpiry(c, id, expiresAt)));
    }

    /** Does not bump {@link #revision()} (see class doc); unknown ids are ignored. */
    @Override
    public void touchTokens(Map<String, Instant> lastUsed) {
        if (lastUsed.isEmpty()) {
            return;
        }
        write("touchTokens", c -> {
            TokenSql.touch(c, lastUsed);
            return true;
        });
    }
}
