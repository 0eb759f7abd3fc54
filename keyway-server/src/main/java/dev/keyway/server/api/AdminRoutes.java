package dev.keyway.server.api;


import dev.keyway.core.crypto.Aad;
import dev.keyway.core.crypto.MasterKey;
import dev.keyway.core.local.DataDir;
import dev.keyway.server.KeyRing;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.Store;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/** {@code /v1/admin}: instance administration (master-key rotation). */
public final class AdminRoutes {
    private final Store store;
    private final DataDir dir;
    private final AtomicReference<MasterKey> master;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final String instanceId;
    private final ReentrantLock rotation = new ReentrantLock();
    /** Meta key: "true" when the owner disabled the local admin token (start-up then mints none). */
    public static final String META_ADMIN_DISABLED = "admin_token.disabled";

    private final dev.keyway.server.TokenService tokens;

    public AdminRoutes(Store store, DataDir dir, AtomicReference<MasterKey> master, VaultService vaults,
            dev.keyway.server.TokenService tokens, ApiAuth auth, AuditTrail trail, String instanceId) {
        this.tokens = tokens;
        this.store = store;
        this.dir = dir;
        this.master = master;
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
        this.instanceId = instanceId;
    }

    /** Body of a rotation request; without a password the instance switches to a fresh random key file. */
    public record Rotate(@Nullable String newPassword) {
        @Override
        public String toString() {
            return "Rotate[redacted]";
        }
    }

    public void routes(Router r) {
        r.post("/v1/admin/master-key/rotate", RouteAccess.OWNER, this::rotate);
        r.post("/v1/admin/admin-token/rotate", RouteAccess.OWNER, req -> {
            Principal p = auth.requireAdmin(req);
            var issued = tokens.rotateAdmin(p.actor());
            try {
                dev.keyway.core.fs.OwnerOnly.writeAtomically(dir.adminTokenFile(), issued.token() + "\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            store.putMeta(META_ADMIN_DISABLED, "false");
            trail.record(p, "admin-token.rotate", "", Map.of("token_id", issued.record().id()));
            return ApiResponse.ok(Map.of("file", dir.adminTokenFile().toString(), "id", issued.record().id()));
        });
        r.post("/v1/admin/admin-token/disable", RouteAccess.OWNER, req -> {
            Principal p = auth.requireAdmin(req);
            if (p.isAdmin()) {
                throw new dev.keyway.core.error.KeywayException(dev.keyway.core.error.ErrorType.CONFLICT,
                        "log in as the owner ('keyway login') before disabling the admin token, or you lock yourself out");
            }
            store.putMeta(META_ADMIN_DISABLED, "true");
            tokens.revokeAdmins();
            try {
                java.nio.file.Files.deleteIfExists(dir.adminTokenFile());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            trail.record(p, "admin-token.disable", "", Map.of());
            return ApiResponse.noContent();
        });
    }

    private ApiResponse rotate(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        Rotate body = req.body().length == 0 ? new Rotate(null) : req.json(Rotate.class);
        char[] pw = body.newPassword() == null ? null : body.newPassword().toCharArray();
        rotation.lock();
        try {
            MasterKey current = master.get();
            KeyRing.MetaRewrapper caKey = (v, nk) -> {
                byte[] der = current.open(Base64.getDecoder().decode(v), Aad.caKey(instanceId));
                try {
                    return Base64.getEncoder().encodeToString(nk.seal(der, Aad.caKey(instanceId)));
                } finally {
                    Arrays.fill(der, (byte) 0);
                }
            };
            KeyRing.MetaRewrapper auditKey = (v, nk) -> dev.keyway.server.AuditChainKey.rewrap(v, current, nk, instanceId);
            MasterKey next = KeyRing.rotate(store, dir, current, pw, Map.of("ca.key", caKey, dev.keyway.server.AuditChainKey.META, auditKey),
                    vaults::rewrap);
            master.set(next);
            current.wipe();
            int n = store.listVaults().size();
            trail.record(p, "master-key.rotate", "", Map.of("mode", pw == null ? "keyfile" : "password"));
            return ApiResponse.ok(Map.of("mode", pw == null ? "keyfile" : "password", "vaults", n));
        } finally {
            rotation.unlock();
            if (pw != null) {
                Arrays.fill(pw, '\0');
            }
        }
    }
}
