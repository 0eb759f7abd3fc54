package dev.keyway.server.api;

import dev.keyway.core.crypto.PasswordHashes;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.time.Durations;
import dev.keyway.server.TokenService;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.SignInThrottle;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.GrantRecord;
import dev.keyway.store.Store;
import dev.keyway.store.UserRecord;
import dev.keyway.store.VaultRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Humans: first-owner setup, login/logout sessions, whoami, user management, and vault membership
 * ({@code /v1/vaults/{vault}/members}) for users and agents.
 */
public final class IdentityRoutes {
    static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]{1,255}$");
    public static final Duration DEFAULT_SESSION = Duration.ofHours(12);
    /**
     * Meta entry of the first-run setup code (its hash and the node that printed it; see
     * {@code web.SetupCode}): deleted in the transaction that creates the owner, so the code dies on
     * every node of a cluster at once.
     */
    public static final String META_SETUP_CODE = "setup.code";
    static final Duration MAX_SESSION = Duration.ofDays(30);

    private final Store store;
    private final VaultService vaults;
    private final TokenService tokens;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final SignInThrottle throttle;
    private final Runnable onChange;
    private final List<Runnable> ownerCreated = new CopyOnWriteArrayList<>();

    public IdentityRoutes(Store store, VaultService vaults, TokenService tokens, ApiAuth auth, AuditTrail trail,
            SignInThrottle throttle, Runnable onChange) {
        this.store = store;
        this.vaults = vaults;
        this.tokens = tokens;
        this.auth = auth;
        this.trail = trail;
        this.throttle = throttle;
        this.onChange = onChange;
    }

    /** Credentials of a user; the password is wiped from memory as soon as it is hashed or checked. */
    public record Login(@Nullable String email, @Nullable String password, @Nullable String ttl) {
        @Override
        public String toString() {
            return "Login[email=" + email + "]";
        }
    }

    public record NewUser(@Nullable String email, @Nullable String password, @Nullable String role) {
        @Override
        public String toString() {
            return "NewUser[email=" + email + "]";
        }
    }

    public record Member(@Nullable String user, @Nullable String agent, @Nullable String role) {}

    public void routes(Router r) {
        r.post("/v1/setup", RouteAccess.OWNER, this::setup);
        r.post("/v1/auth/login", RouteAccess.PUBLIC, this::login);
        r.post("/v1/auth/logout", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            if (!p.type().equals("session")) {
                throw new KeywayException(ErrorType.CONFLICT, "logout ends a user session; this is a " + p.type() + " token");
            }
            tokens.revoke(tokens.find(p.tokenId()));
            trail.record(p, "user.logout", "", Map.of());
            return ApiResponse.noContent();
        });
        r.get("/v1/auth/whoami", RouteAccess.AUTHENTICATED, req -> ApiResponse.ok(whoami(auth.authenticate(req))));
        r.get("/v1/users", RouteAccess.OWNER, req -> {
            Access.requireOwner(auth.authenticate(req));
            return ApiResponse.ok(Map.of("users", store.listUsers().stream().map(IdentityRoutes::user).toList()));
        });
        r.post("/v1/users", RouteAccess.OWNER, this::createUser);
        r.post("/v1/users/{email}/disable", RouteAccess.OWNER, req -> ApiResponse.ok(user(setDisabled(auth.authenticate(req), req.param("email"), true))));
        r.post("/v1/users/{email}/enable", RouteAccess.OWNER, req -> ApiResponse.ok(user(setDisabled(auth.authenticate(req), req.param("email"), false))));
        r.get("/v1/vaults/{vault}/members", RouteAccess.AUTHENTICATED, this::members);
        r.put("/v1/vaults/{vault}/members", RouteAccess.AUTHENTICATED, this::addMember);
        r.delete("/v1/vaults/{vault}/members/{subject}", RouteAccess.AUTHENTICATED, this::removeMember);
    }

    private ApiResponse setup(ApiRequest req) {
        Principal p = auth.authenticate(req);
        if (!p.isAdmin()) {
            throw new KeywayException(ErrorType.FORBIDDEN, "setup needs the local admin token (run 'keyway setup' on the server's machine)");
        }
        NewUser body = req.json(NewUser.class);
        return ApiResponse.created(user(setupOwner(p, body.email(), body.password())));
    }

    /**
     * Runs {@code action} once the first owner exists, whichever path created it ({@code keyway
     * setup} through the API, or the web console): e.g. burning the first-run setup code.
     */
    public void whenOwnerCreated(Runnable action) {
        ownerCreated.add(action);
    }

    /**
     * Creates the first owner (the instance has no user yet). The caller has already proved it may
     * (the local admin token for the API; the start-up setup code or the admin token in the web console).
     */
    public UserRecord setupOwner(Principal by, @Nullable String email, @Nullable String password) {
        if (!store.listUsers().isEmpty()) {
            throw new KeywayException(ErrorType.CONFLICT, "Keyway already has an owner; use 'keyway login'");
        }
        Checked c = check(email, password); // hashing is slow: before the transaction, not while holding the write lock
        // One transaction that first re-checks there is no user: writers are serialised (SQLite BEGIN IMMEDIATE,
        // PostgreSQL's revision row lock), so two setups racing on two nodes create exactly one owner.
        UserRecord u = store.atomically(s -> {
            if (!s.listUsers().isEmpty()) {
                throw new KeywayException(ErrorType.CONFLICT, "Keyway already has an owner; use 'keyway login'");
            }
            UserRecord x = s.createUser(c.email(), c.passwordHash(), "owner");
            s.deleteMeta(META_SETUP_CODE); // the setup code dies with first run, on every node at once
            return x;
        });
        onChange.run();
        trail.record(by, "user.setup", "", Map.of("user", u.email()));
        ownerCreated.forEach(Runnable::run);
        return u;
    }

    /**
     * Changes a signed-in user's password after checking the current one (rate-limited like login),
     * then revokes all of the user's sessions (tokens the user minted for sandboxes stay valid).
     */
    public UserRecord changePassword(Principal p, java.net.InetAddress client, @Nullable String current, @Nullable String next) {
        if (!p.type().equals("session") || p.subjectId() == null) {
            throw new KeywayException(ErrorType.CONFLICT, "only a signed-in user can change their password");
        }
        long wait = throttle.tryAcquire(client);
        if (wait > 0) {
            throw new KeywayException(ErrorType.RATE_LIMITED, "too many attempts from this address; retry in " + wait + "s");
        }
        UserRecord u = store.userById(p.subjectId()).orElseThrow(() -> new KeywayException(ErrorType.UNAUTHORIZED, "no such user"));
        char[] cur = current == null ? new char[0] : current.toCharArray();
        char[] pw = next == null ? new char[0] : next.toCharArray();
        try {
            if (!PasswordHashes.verify(cur, u.passwordHash())) {
                throw KeywayException.validation("current_password", "the current password is wrong");
            }
            if (pw.length < PasswordHashes.MIN_LENGTH) {
                throw KeywayException.validation("new_password", "the password must have at least " + PasswordHashes.MIN_LENGTH
                        + " characters");
            }
            throttle.refund(client); // the current password was right: only failures count
            store.updateUserPassword(u.id(), PasswordHashes.hash(pw));
            for (var t : store.listTokens(null)) {
                if (t.type().equals("session") && u.id().equals(t.subject()) && !t.revoked()) {
                    store.revokeToken(t.id()); // every session of the user, this one included
                }
            }
            onChange.run();
            trail.record(p, "user.password", "", Map.of("user", u.email()));
            return u;
        } finally {
            Arrays.fill(cur, '\0');
            Arrays.fill(pw, '\0');
        }
    }

    /**
     * Disables a user (owner only): the user can no longer sign in, and every token the user holds
     * or minted (sessions and the scoped tokens of their sandboxes) is revoked at once, which also
     * closes their open proxy connections. The last enabled owner cannot be disabled, so the
     * instance always keeps someone who can administer it. Enabling lets the user sign in again;
     * revoked tokens stay revoked. Idempotent: a user already in the asked state is returned as is.
     */
    public UserRecord setDisabled(Principal p, String email, boolean disabled) {
        Access.requireOwner(p);
        String key = email.strip().toLowerCase(Locale.ROOT);
        int[] revoked = {0};
        boolean[] changed = {false};
        UserRecord u = store.atomically(s -> {
            UserRecord x = s.userByEmail(key).orElseThrow(() -> new KeywayException(ErrorType.NOT_FOUND, "no user '" + key + "'"));
            if (x.disabled() == disabled) {
                return x;
            }
            if (disabled && x.role().equals("owner")
                    && s.listUsers().stream().filter(o -> o.role().equals("owner") && !o.disabled()).count() <= 1) {
                throw new KeywayException(ErrorType.CONFLICT,
                        "'" + x.email() + "' is the only enabled owner; add or enable another owner first");
            }
            s.setUserDisabled(x.id(), disabled);
            if (disabled) {
                revoked[0] = s.revokeTokensOfSubject(x.id());
            }
            changed[0] = true;
            return s.userById(x.id()).orElseThrow();
        });
        if (changed[0]) {
            onChange.run();
            trail.record(p, disabled ? "user.disable" : "user.enable", "",
                    disabled ? Map.of("user", u.email(), "tokens_revoked", revoked[0]) : Map.of("user", u.email()));
        }
        return u;
    }

    private ApiResponse createUser(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Access.requireOwner(p);
        NewUser body = req.json(NewUser.class);
        String role = body.role() == null ? "member" : body.role();
        if (!role.equals("member") && !role.equals("owner")) {
            throw KeywayException.validation("role", "instance role must be owner or member");
        }
        UserRecord u = create(body.email(), body.password(), role);
        trail.record(p, "user.create", "", Map.of("user", u.email(), "role", role));
        return ApiResponse.created(user(u));
    }

    private UserRecord create(@Nullable String email, @Nullable String password, String role) {
        Checked c = check(email, password);
        UserRecord u = store.createUser(c.email(), c.passwordHash(), role);
        onChange.run();
        return u;
    }

    /** A new user's validated, normalised e-mail and password hash. */
    private record Checked(String email, String passwordHash) {
        @Override
        public String toString() {
            return "Checked[email=" + email + "]";
        }
    }

    private static Checked check(@Nullable String email, @Nullable String password) {
        if (email == null || !EMAIL.matcher(email.strip()).matches()) {
            throw KeywayException.validation("email", "a valid e-mail address is required");
        }
        if (password == null) {
            throw KeywayException.validation("password", "a password is required");
        }
        char[] pw = password.toCharArray();
        try {
            if (pw.length < PasswordHashes.MIN_LENGTH) {
                throw KeywayException.validation("password", "the password must have at least " + PasswordHashes.MIN_LENGTH + " characters");
            }
            return new Checked(email.strip().toLowerCase(Locale.ROOT), PasswordHashes.hash(pw));
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    private ApiResponse login(ApiRequest req) {
        long wait = throttle.tryAcquire(req.remote().getAddress());
        if (wait > 0) {
            return dev.keyway.server.http.Problems.of(ErrorType.RATE_LIMITED,
                    "too many login attempts from this address; retry in " + wait + "s", req.requestId())
                    .withHeader("Retry-After", Long.toString(wait));
        }
        Login body = req.json(Login.class);
        if (body.email() == null || body.password() == null) {
            throw KeywayException.validation("email", "email and password are required");
        }
        char[] pw = body.password().toCharArray();
        try {
            UserRecord u = store.userByEmail(body.email().strip().toLowerCase(Locale.ROOT)).orElse(null);
            // Verify against a dummy hash for unknown users so timing does not reveal which e-mails exist.
            boolean ok = PasswordHashes.verify(pw, u == null ? DUMMY_HASH : u.passwordHash()) && u != null && !u.disabled();
            if (!ok || u == null) {
                throw new KeywayException(ErrorType.UNAUTHORIZED, "wrong e-mail or password");
            }
            throttle.refund(req.remote().getAddress()); // only failed sign-ins use up the address's budget
            Duration ttl = body.ttl() == null ? DEFAULT_SESSION : Durations.parse("ttl", body.ttl());
            if (ttl.compareTo(MAX_SESSION) > 0 || ttl.isNegative() || ttl.isZero()) {
                throw KeywayException.validation("ttl", "session ttl must be between 1s and 30d");
            }
            TokenService.Issued s = tokens.mintSession(u.id(), u.email(), ttl);
            trail.record(new Principal(s.record().id(), "user:" + u.email(), "session", u.id(), false, Map.of(), null, null, true),
                    "user.login", "", Map.of("client", req.remote().getAddress().getHostAddress()));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("token", s.token());
            out.put("id", s.record().id());
            out.put("accessor", s.record().accessor());
            out.put("expires_at", s.record().expiresAt());
            out.put("user", user(u));
            return ApiResponse.ok(out);
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    private static final String DUMMY_HASH = PasswordHashes.hash("keyway-dummy-password-for-timing".toCharArray());

    private Map<String, Object> whoami(Principal p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("actor", p.actor());
        m.put("type", p.type());
        m.put("token_id", p.tokenId());
        m.put("owner", p.owner());
        if (p.subjectId() != null) {
            UserRecord u = store.userById(p.subjectId()).orElse(null);
            if (u != null) {
                m.put("user", user(u));
            }
            AgentRecord a = store.agentById(p.subjectId()).orElse(null);
            if (a != null) {
                m.put("agent", a.name());
            }
        }
        List<Map<String, String>> grants = new ArrayList<>();
        for (VaultRecord v : vaults.list()) {
            VaultRole r = Access.roleOn(p, v.id());
            if (r != null) {
                grants.add(Map.of("vault", v.name(), "role", r.wire()));
            }
        }
        m.put("vaults", grants);
        m.put("services", p.services());
        m.put("expires_at", p.expiresAt());
        return m;
    }

    private ApiResponse members(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
        List<Map<String, String>> out = new ArrayList<>();
        for (GrantRecord g : store.allGrants()) {
            if (g.vaultId().equals(v.id())) {
                out.add(subject(g.subjectId(), g.role()));
            }
        }
        return ApiResponse.ok(Map.of("members", out));
    }

    private Map<String, String> subject(String id, String role) {
        Map<String, String> m = new LinkedHashMap<>();
        store.userById(id).ifPresent(u -> m.put("user", u.email()));
        store.agentById(id).ifPresent(a -> m.put("agent", a.name()));
        m.put("role", role);
        return m;
    }

    private ApiResponse addMember(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.ADMIN);
        Member body = req.json(Member.class);
        String subjectId = subjectId(body.user(), body.agent());
        VaultRole role = VaultRole.parse(body.role() == null ? "proxy" : body.role());
        vaults.grant(subjectId, v, role);
        trail.record(p, "vault.member.set", v.name(), Map.of("subject", body.user() != null ? body.user() : "agent:" + body.agent(),
                "role", role.wire()));
        return ApiResponse.ok(subject(subjectId, role.wire()));
    }

    private ApiResponse removeMember(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.ADMIN);
        String s = req.param("subject");
        String id = s.contains("@") ? subjectId(s, null) : subjectId(null, s);
        if (!vaults.ungrant(id, v)) {
            throw KeywayException.notFound(Names.printable(s) + " is not a member of vault '" + v.name() + "'");
        }
        trail.record(p, "vault.member.remove", v.name(), Map.of("subject", s));
        return ApiResponse.noContent();
    }

    private String subjectId(@Nullable String user, @Nullable String agent) {
        if ((user == null) == (agent == null)) {
            throw KeywayException.validation("user", "give exactly one of 'user' (an e-mail) or 'agent' (an agent name)");
        }
        if (user != null) {
            return store.userByEmail(user.strip().toLowerCase(Locale.ROOT))
                    .orElseThrow(() -> KeywayException.notFound("no user '" + Names.printable(user) + "'")).id();
        }
        return store.agentByName(agent).orElseThrow(() -> KeywayException.notFound("no agent '" + Names.printable(agent) + "'")).id();
    }

    static Map<String, Object> user(UserRecord u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id());
        m.put("email", u.email());
        m.put("role", u.role());
        m.put("created_at", u.createdAt());
        m.put("disabled", u.disabled());
        return m;
    }
}
