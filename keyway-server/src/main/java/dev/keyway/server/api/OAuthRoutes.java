package dev.keyway.server.api;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.oauth.ClientAuth;
import dev.keyway.core.oauth.OAuthGrant;
import dev.keyway.core.service.Names;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.source.OAuthCredentials;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code PUT /v1/vaults/{vault}/credentials/{name}/oauth} creates or re-authorizes an OAuth-minted
 * credential (issue 12), with the member role like any credential write: unlike a linked
 * credential it cannot read another secret, only mint with the client and refresh token the caller
 * supplies. The client secret and refresh token are write-only (sealed like credential values;
 * {@code GET .../oauth} names which are held, never their values).
 */
public final class OAuthRoutes {
    private final OAuthCredentials oauth;
    private final VaultService vaults;
    private final Store store;
    private final ApiAuth auth;
    private final AuditTrail trail;

    public OAuthRoutes(OAuthCredentials oauth, VaultService vaults, Store store, ApiAuth auth, AuditTrail trail) {
        this.oauth = oauth;
        this.vaults = vaults;
        this.store = store;
        this.auth = auth;
        this.trail = trail;
    }

    /** Body of the PUT; the secrets stay out of {@code toString}. */
    public record PutOAuth(@Nullable String grant, @Nullable String tokenUrl, @Nullable String clientId,
            @Nullable String clientSecret, @Nullable String refreshToken, @Nullable List<String> scopes,
            @Nullable String audience, @Nullable String authMethod, @Nullable String description, @Nullable String appId,
            @Nullable String installationId, @Nullable String privateKey, @Nullable String apiUrl, @Nullable String key,
            @Nullable String subject, @Nullable String clientKey, @Nullable String clientKeyAlg) {
        @Override
        public String toString() {
            return "PutOAuth[grant=" + grant + ", tokenUrl=" + tokenUrl + ", clientId=" + clientId + "]";
        }
    }

    public void routes(Router r) {
        r.put("/v1/vaults/{vault}/credentials/{name}/oauth", RouteAccess.AUTHENTICATED, this::put);
        r.get("/v1/vaults/{vault}/credentials/{name}/oauth", RouteAccess.AUTHENTICATED, req -> {
            VaultRecord v = vaults.get(req.param("vault"));
            Access.require(auth.authenticate(req), v.id(), v.name(), VaultRole.MEMBER);
            return ApiResponse.ok(oauth.view(v.id(), Names.credential(req.param("name"))));
        });
    }

    private ApiResponse put(ApiRequest req) {
        Principal p = auth.authenticate(req);
        VaultRecord v = vaults.get(req.param("vault"));
        Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
        String name = Names.credential(req.param("name"));
        PutOAuth b = req.json(PutOAuth.class);
        OAuthGrant grant = OAuthGrant.of(b.grant() == null ? "" : b.grant()).orElseThrow(() -> KeywayException.validation(
                "grant", "grant must be refresh_token, client_credentials, github-app or google-service-account"));
        if (grant == OAuthGrant.GITHUB_APP) {
            return githubApp(p, v, name, b);
        }
        if (grant == OAuthGrant.GOOGLE_SERVICE_ACCOUNT) {
            return googleServiceAccount(p, v, name, b);
        }
        ClientAuth method = ClientAuth.of(b.authMethod() == null ? "basic" : b.authMethod()).orElseThrow(() ->
                KeywayException.validation("auth_method", "auth_method must be basic (client_secret_basic), post "
                        + "(client_secret_post) or private_key_jwt"));
        if (b.tokenUrl() == null || b.clientId() == null) {
            throw KeywayException.validation(b.tokenUrl() == null ? "token_url" : "client_id",
                    "fields 'token_url' and 'client_id' are required");
        }
        URI url;
        try {
            url = new URI(b.tokenUrl());
        } catch (java.net.URISyntaxException e) {
            throw KeywayException.validation("token_url", "the token URL is not a URL");
        }
        boolean existed = store.credential(v.id(), name).isPresent();
        CredentialRecord c = oauth.put(v, name, b.description(), new OAuthCredentials.Request(grant, url, b.clientId(),
                b.clientSecret(), b.refreshToken(), b.scopes() == null ? List.of() : List.copyOf(b.scopes()), b.audience(),
                method, b.clientKey(), b.clientKeyAlg()), p.actor());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("credential", c.name());
        details.put("version", c.version());
        details.put("grant", grant.wire);
        details.put("token_url", url.toString());
        details.put("client_id", b.clientId());
        return done(p, v, c, details, existed);
    }

    private ApiResponse githubApp(Principal p, VaultRecord v, String name, PutOAuth b) {
        if (b.appId() == null || b.installationId() == null || b.privateKey() == null) {
            throw KeywayException.validation(b.appId() == null ? "app_id" : b.installationId() == null ? "installation_id"
                    : "private_key", "github-app needs app_id, installation_id and private_key");
        }
        URI api;
        try {
            api = b.apiUrl() == null ? OAuthCredentials.GITHUB_API : new URI(b.apiUrl());
        } catch (java.net.URISyntaxException e) {
            throw KeywayException.validation("api_url", "the API URL is not a URL");
        }
        boolean existed = store.credential(v.id(), name).isPresent();
        CredentialRecord c = oauth.putGitHubApp(v, name, b.description(), new OAuthCredentials.GitHubAppRequest(b.appId(),
                b.installationId(), b.privateKey(), api), p.actor());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("credential", c.name());
        details.put("version", c.version());
        details.put("grant", OAuthGrant.GITHUB_APP.wire);
        details.put("app_id", b.appId());
        details.put("installation_id", b.installationId());
        return done(p, v, c, details, existed);
    }

    private ApiResponse googleServiceAccount(Principal p, VaultRecord v, String name, PutOAuth b) {
        if (b.key() == null) {
            throw KeywayException.validation("key", "google-service-account needs key (the service account's JSON key file)");
        }
        boolean existed = store.credential(v.id(), name).isPresent();
        CredentialRecord c = oauth.putGoogleServiceAccount(v, name, b.description(), new OAuthCredentials.GoogleServiceAccountRequest(
                b.key(), b.scopes() == null ? List.of() : List.copyOf(b.scopes()), b.subject()), p.actor());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("credential", c.name());
        details.put("version", c.version());
        details.put("grant", OAuthGrant.GOOGLE_SERVICE_ACCOUNT.wire);
        details.put("token_url", store.oauthCredential(v.id(), name).map(r -> r.tokenUrl()).orElse(""));
        details.put("client_id", store.oauthCredential(v.id(), name).map(r -> r.clientId()).orElse(""));
        return done(p, v, c, details, existed);
    }

    private ApiResponse done(Principal p, VaultRecord v, CredentialRecord c, Map<String, Object> details, boolean existed) {
        trail.record(p, "credential.oauth", v.name(), details);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", c.name());
        out.put("version", c.version());
        out.put("kind", "oauth");
        out.putAll(oauth.view(v.id(), c.name()));
        return ApiResponse.json(existed ? 200 : 201, out);
    }
}
