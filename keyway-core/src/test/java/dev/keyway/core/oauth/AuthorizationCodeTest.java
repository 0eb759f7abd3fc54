package dev.keyway.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pure parts of {@code keyway oauth authorize}: PKCE (RFC 7636), the authorization URL, the redirect's meaning, the code exchange. */
class AuthorizationCodeTest {

    @Test
    void s256MatchesRfc7636AppendixB() {
        assertThat(Pkce.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    @Test
    void generatedVerifiersAreFreshAndWellFormedAndNeverPrinted() {
        SecureRandom r = new SecureRandom();
        Pkce a = Pkce.generate(r);
        Pkce b = Pkce.generate(r);
        assertThat(a.verifier()).hasSize(43).matches("[A-Za-z0-9_-]+").isNotEqualTo(b.verifier());
        assertThat(a.challenge()).isEqualTo(Pkce.s256(a.verifier()));
        assertThat(a.toString()).doesNotContain(a.verifier());
        assertThatThrownBy(() -> new Pkce("short", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void authorizationUrlCarriesEveryParameterEncodedAndKeepsTheEndpointsQuery() {
        URI u = AuthorizationRequest.url(URI.create("https://as.example/authorize?tenant=a"), "client 1",
                URI.create("http://127.0.0.1:5000/callback"), List.of("repo", "read:org"), "st", "ch",
                Map.of("access_type", "offline"));
        assertThat(u.toString()).isEqualTo("https://as.example/authorize?tenant=a&response_type=code&client_id=client%201"
                + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback&scope=repo%20read%3Aorg&state=st&code_challenge=ch"
                + "&code_challenge_method=S256&access_type=offline");
        assertThatThrownBy(() -> AuthorizationRequest.url(URI.create("https://as.example/a"), "c", URI.create("http://127.0.0.1:1/callback"),
                List.of(), "s", "c", Map.of("state", "forged"))).hasMessageContaining("'state'");
    }

    /** Each row: raw query of the redirect, the outcome expected when the client sent state {@code s1}. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "code=abc&state=s1                                       | Code",
        "state=s1&code=a%2Bb                                     | Code",
        "code=abc&state=s2                                       | StateMismatch",
        "code=abc                                                | StateMismatch",
        "error=access_denied&state=s2                            | StateMismatch",
        "error=access_denied&error_description=no+thanks&state=s1 | Denied",
        "state=s1                                                | Malformed",
        "code=&state=s1                                          | Malformed",
        "code=a&code=b&state=s1                                  | Malformed",
        "code=a&state=s1&state=s1                                | Malformed",
        "code=%zz&state=s1                                       | Malformed",
    })
    void redirectIsClassifiedAndStateIsCheckedFirst(String query, String expected) {
        AuthorizationCallback c = AuthorizationCallback.parse(query, "s1");
        assertThat(c.getClass().getSimpleName()).as(query).isEqualTo(expected);
    }

    @Test
    void redirectValuesAreDecoded() {
        assertThat(AuthorizationCallback.parse("state=s1&code=a%2Bb", "s1")).isEqualTo(new AuthorizationCallback.Code("a+b"));
        assertThat(AuthorizationCallback.parse("error=access_denied&error_description=no+thanks&state=s1", "s1"))
                .isEqualTo(new AuthorizationCallback.Denied("access_denied", "no thanks"));
        assertThat(AuthorizationCallback.parse("code=" + "x".repeat(9000) + "&state=s1", "s1"))
                .isInstanceOf(AuthorizationCallback.Malformed.class);
        assertThat(new AuthorizationCallback.Code("the-code").toString()).doesNotContain("the-code");
    }

    @Test
    void codeExchangeCarriesTheVerifierAndTheRedirectUri() {
        TokenRequest basic = TokenRequest.authorizationCode(ClientAuth.BASIC, "cid", "sec", "the code", "http://127.0.0.1:5/callback", "v".repeat(43));
        assertThat(basic.form()).isEqualTo("grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback"
                + "&code_verifier=" + "v".repeat(43));
        assertThat(basic.authorization()).isEqualTo("Basic Y2lkOnNlYw==");
        TokenRequest publicClient = TokenRequest.authorizationCode(ClientAuth.BASIC, "cid", null, "c", "http://127.0.0.1:5/callback", "v".repeat(43));
        assertThat(publicClient.form()).endsWith("&client_id=cid");
        assertThat(publicClient.authorization()).isNull();
        TokenRequest post = TokenRequest.authorizationCode(ClientAuth.POST, "cid", "sec", "c", "http://127.0.0.1:5/callback", "v".repeat(43));
        assertThat(post.form()).endsWith("&client_id=cid&client_secret=sec");
        assertThat(post.toString()).doesNotContain("sec");
    }

    @Test
    void everyProviderTemplateHasHttpsEndpointsAndAHint() {
        for (OAuthProvider p : OAuthProvider.values()) {
            assertThat(p.authorizeUrl.getScheme()).isEqualTo("https");
            assertThat(p.tokenUrl.getScheme()).isEqualTo("https");
            assertThat(p.noRefreshTokenHint).isNotBlank();
            assertThat(OAuthProvider.of(p.wire)).contains(p);
        }
        assertThat(OAuthProvider.GOOGLE.authorizeParams).containsEntry("access_type", "offline").containsEntry("prompt", "consent");
    }
}
