package dev.keyway.server.source;

import dev.keyway.core.source.SourceFailure;
import dev.keyway.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What every HTTP-speaking source says about the transport, in one place: a {@code Retry-After}
 * header in seconds, an answer's body read as bounded JSON and wiped, and an I/O failure turned into
 * the {@link SourceFailure} kind the fetch policy acts on (TLS, or unavailable). Messages name the
 * host, never a request or a value.
 */
final class SourceHttp {
    private SourceHttp() {}

    /** {@code Retry-After} in delta-seconds, or null when absent or not a non-negative number. */
    static @Nullable Duration retryAfter(String v) {
        try {
            long s = Long.parseLong(v.strip());
            return s >= 0 ? Duration.ofSeconds(s) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The body of {@code res} as JSON: read into memory up to {@code maxBody} bytes (a larger answer is
     * refused as {@code BAD_VALUE}, "{@code who} answered more than N bytes"), parsed, and the bytes
     * wiped either way, since a secret manager's answer holds secret values. An empty or unparsable
     * body is an empty object, so callers map the status code to a failure the same way.
     */
    static JsonNode jsonBody(HttpResponse<InputStream> res, int maxBody, String who) throws IOException, SourceFailure {
        byte[] raw;
        try (InputStream in = res.body()) {
            raw = in.readNBytes(maxBody + 1);
        }
        try {
            if (raw.length > maxBody) {
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, who + " answered more than " + maxBody + " bytes");
            }
            JsonNode json = raw.length == 0 ? null : Json.MAPPER.readTree(raw);
            return json == null || json.isMissingNode() ? Json.MAPPER.createObjectNode() : json;
        } catch (RuntimeException e) {
            return Json.MAPPER.createObjectNode();
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /**
     * The failure for an exception of {@code HttpClient.send} to {@code host:port}; {@code caHint} is
     * appended to a TLS handshake failure (how to trust a private CA). Re-sets the interrupt flag.
     */
    static SourceFailure transport(Exception e, String host, int port, Duration timeout, String caHint) {
        return switch (e) {
            case SSLException s -> new SourceFailure(SourceFailure.Kind.TLS, "TLS handshake with " + host + " failed: "
                    + s.getMessage() + caHint);
            case HttpConnectTimeoutException c -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "cannot connect to " + host + ":" + port);
            case ConnectException c -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "cannot connect to " + host + ":" + port);
            case HttpTimeoutException t -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, host + " did not answer within "
                    + timeout.toSeconds() + " s");
            case IOException io when io.getCause() instanceof SSLException s -> new SourceFailure(SourceFailure.Kind.TLS,
                    "TLS handshake with " + host + " failed: " + s.getMessage());
            case IOException io -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "calling " + host + ": "
                    + io.getClass().getSimpleName());
            case InterruptedException i -> {
                Thread.currentThread().interrupt();
                yield new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "interrupted");
            }
            default -> new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "calling " + host + ": " + e.getClass().getSimpleName());
        };
    }
}
