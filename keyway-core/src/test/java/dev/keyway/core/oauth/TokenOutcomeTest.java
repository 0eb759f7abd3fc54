package dev.keyway.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.source.SourceFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenOutcomeTest {

    private static TokenOutcome parse(int status, String body) {
        return TokenOutcome.parse(status, body.getBytes(StandardCharsets.UTF_8), null);
    }

    @Test
    void grantedCarriesTheTokenLifetimeAndARotatedRefreshToken() {
        TokenOutcome o = parse(200, "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                + "\"refresh_token\":\"rt-2\",\"scope\":\"read\"}");
        assertThat(o).isEqualTo(new TokenOutcome.Granted("at-1", 3600L, "rt-2"));
        assertThat(o.toString()).doesNotContain("at-1").doesNotContain("rt-2");
        assertThat(parse(200, "{\"access_token\":\"at\",\"token_type\":\"bearer\"}"))
                .isEqualTo(new TokenOutcome.Granted("at", null, null));
        assertThat(parse(200, "{\"ok\":true,\"access_token\":\"xoxb-1\",\"token_type\":\"bot\",\"expires_in\":43200}"))
                .as("Slack's oauth.v2.access names its bearer tokens bot or user")
                .isEqualTo(new TokenOutcome.Granted("xoxb-1", 43200L, null));
        assertThat(parse(200, "{\"access_token\":\"at\",\"expires_in\":\"60\"}"))
                .as("a quoted expires_in is tolerated").isEqualTo(new TokenOutcome.Granted("at", 60L, null));
    }

    /** Each row: status, body, the expected failure kind (or REJECTED for a breaking §5.2 error). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "400 | {\"error\":\"invalid_grant\",\"error_description\":\"refresh token revoked\"} | REJECTED",
        "401 | {\"error\":\"invalid_client\"}                                                 | REJECTED",
        "400 | {\"error\":\"unauthorized_client\"}                                            | REJECTED",
        "400 | {\"error\":\"invalid_scope\"}                                                  | AUTH",
        "400 | {\"error\":\"invalid_request\"}                                                | AUTH",
        "401 | not json                                                                       | AUTH",
        "404 | {}                                                                             | NOT_FOUND",
        "429 | {}                                                                             | THROTTLED",
        "500 | {\"error\":\"invalid_grant\"}                                                  | UNAVAILABLE",
        "503 | ''                                                                             | UNAVAILABLE",
        "200 | not json                                                                       | BAD_VALUE",
        "200 | {\"token_type\":\"Bearer\"}                                                    | BAD_VALUE",
        "200 | {\"access_token\":\"\"}                                                        | BAD_VALUE",
        "200 | {\"access_token\":\"a b\"}                                                     | BAD_VALUE",
        "200 | {\"access_token\":\"at\",\"token_type\":\"mac\"}                               | BAD_VALUE",
        "200 | {\"access_token\":\"at\",\"expires_in\":-5}                                    | BAD_VALUE",
        "200 | [1]                                                                            | BAD_VALUE",
    })
    void classifiesEveryAnswer(int status, String body, String expected) {
        TokenOutcome o = parse(status, body);
        if (expected.equals("REJECTED")) {
            assertThat(o).isInstanceOf(TokenOutcome.Rejected.class);
        } else {
            assertThat(o).isInstanceOfSatisfying(TokenOutcome.Failed.class,
                    f -> assertThat(f.failure().kind()).isEqualTo(SourceFailure.Kind.valueOf(expected)));
        }
    }

    @Test
    void rejectedQuotesTheServersErrorBoundedAndPrintable() {
        TokenOutcome.Rejected r = (TokenOutcome.Rejected) parse(400,
                "{\"error\":\"invalid_grant\",\"error_description\":\"gone\\nnow" + "x".repeat(500) + "\"}");
        assertThat(r.describe()).startsWith("invalid_grant: gone?now").endsWith("(HTTP 400)").doesNotContain("\n");
        assertThat(r.description()).hasSize(200);
    }

    @Test
    void retryAfterIsHonoured() {
        TokenOutcome o = TokenOutcome.parse(429, new byte[0], "7");
        assertThat(((TokenOutcome.Failed) o).failure().retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @ParameterizedTest
    @CsvSource({"3600, 3540", "60, 54", "5, 5", "0, 1", "1, 1", "100000, 99940"})
    void accessTokensAreUsedUntilShortlyBeforeTheyExpire(long expiresIn, long cachedSeconds) {
        assertThat(TokenOutcome.cacheFor(expiresIn, Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(cachedSeconds));
        assertThat(TokenOutcome.cacheFor(null, Duration.ofMinutes(5))).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void refreshRequestWithClientSecretBasic() {
        TokenRequest r = TokenRequest.of(OAuthGrant.REFRESH_TOKEN, ClientAuth.BASIC, "my client", "s3:cr&t", "rt/1+2",
                List.of("repo", "read:org"), null);
        assertThat(r.form()).isEqualTo("grant_type=refresh_token&refresh_token=rt%2F1%2B2&scope=repo+read%3Aorg");
        assertThat(new String(Base64.getDecoder().decode(r.authorization().substring("Basic ".length())), StandardCharsets.UTF_8))
                .as("RFC 6749 §2.3.1: id and secret form-encoded, then joined by ':'").isEqualTo("my+client:s3%3Acr%26t");
        assertThat(r.toString()).doesNotContain("rt").doesNotContain("s3");
    }

    @Test
    void clientCredentialsWithClientSecretPostAndAudience() {
        TokenRequest r = TokenRequest.of(OAuthGrant.CLIENT_CREDENTIALS, ClientAuth.POST, "cid", "sec", null, List.of(),
                "https://api.example.com");
        assertThat(r.authorization()).isNull();
        assertThat(r.form()).isEqualTo("grant_type=client_credentials&audience=https%3A%2F%2Fapi.example.com"
                + "&client_id=cid&client_secret=sec");
    }

    @Test
    void publicClientSendsItsIdInTheBody() {
        TokenRequest r = TokenRequest.of(OAuthGrant.REFRESH_TOKEN, ClientAuth.BASIC, "cid", null, "rt", List.of(), null);
        assertThat(r.authorization()).isNull();
        assertThat(r.form()).isEqualTo("grant_type=refresh_token&refresh_token=rt&client_id=cid");
    }
}
