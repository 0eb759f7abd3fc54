package dev.keyway.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HmacsTest {
    /**
     * Binance's published example ("SIGNED Endpoint Examples for POST /api/v3/order - HMAC Keys",
     * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type):
     * the signature of the query string under the example secret key.
     */
    @Test
    void binancePublishedVector() {
        String secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
        String query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                + "&timestamp=1499827319559";
        RequestValues r = new RequestValues("POST", "/api/v3/order", query, "api.binance.com", "1499827319559", "n",
                new byte[0]);
        byte[] message = SignTemplate.parse("{query}{body}", EnumSet.allOf(SignVariable.class), false).render(r);
        byte[] key = Hmacs.key(secret.getBytes(StandardCharsets.US_ASCII), Hmacs.KeyEncoding.RAW);
        assertThat(Hmacs.Encoding.HEX.encode(Hmacs.mac(Hmacs.Algorithm.SHA256, key, message)))
                .isEqualTo("c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    }

    /** RFC 4231 test case 2 (key "Jefe"), for both hashes, in both encodings. */
    @Test
    void rfc4231TestCase2() {
        byte[] key = "Jefe".getBytes(StandardCharsets.US_ASCII);
        byte[] data = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
        String sha256 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        String sha512 = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
        assertThat(Hmacs.Encoding.HEX.encode(Hmacs.mac(Hmacs.Algorithm.SHA256, key, data))).isEqualTo(sha256);
        assertThat(Hmacs.Encoding.HEX.encode(Hmacs.mac(Hmacs.Algorithm.SHA512, key, data))).isEqualTo(sha512);
        assertThat(Hmacs.Encoding.BASE64.encode(Hmacs.mac(Hmacs.Algorithm.SHA256, key, data)))
                .isEqualTo(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256)));
    }

    @Test
    void base64KeysAreDecodedAndBadOnesRefusedWithoutTheirBytes() {
        byte[] stored = (Base64.getEncoder().encodeToString("Jefe".getBytes(StandardCharsets.US_ASCII)) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(Hmacs.key(stored, Hmacs.KeyEncoding.BASE64)).isEqualTo("Jefe".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Hmacs.key("s3cr3t!!#".getBytes(StandardCharsets.US_ASCII), Hmacs.KeyEncoding.BASE64))
                .hasMessage("the key is not valid base64");
    }

    @Test
    void wireNames() {
        assertThat(Hmacs.Algorithm.fromWireName("sha512")).isEqualTo(Hmacs.Algorithm.SHA512);
        assertThatThrownBy(() -> Hmacs.Algorithm.fromWireName("md5")).hasMessageContaining("expected sha256 or sha512");
        assertThatThrownBy(() -> Hmacs.Encoding.fromWireName("b64")).hasMessageContaining("expected hex or base64");
        assertThatThrownBy(() -> TimestampUnit.fromWireName("us")).hasMessageContaining("expected s or ms");
        assertThat(TimestampUnit.MS.format(java.time.Instant.ofEpochMilli(1499827319559L))).isEqualTo("1499827319559");
        assertThat(TimestampUnit.S.format(java.time.Instant.ofEpochMilli(1499827319559L))).isEqualTo("1499827319");
    }
}
