package dev.keyway.server.webhook;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Webhook target URLs: what is accepted, and how they are shown. A Slack incoming-webhook URL is
 * itself a secret (anyone holding it can post to the channel), so after creation URLs are only ever
 * shown redacted to scheme, host and port, and never logged or audited in full.
 */
public final class WebhookUrls {
    public static final int MAX_LENGTH = 2048;

    private WebhookUrls() {}

    /** Checks that {@code url} is an absolute http(s) URL without credentials or fragment. */
    public static URI validate(@Nullable String url) {
        if (url == null || url.isBlank()) {
            throw KeywayException.validation("url", "field 'url' is required (an http:// or https:// URL)");
        }
        if (url.length() > MAX_LENGTH) {
            throw KeywayException.validation("url", "url is longer than " + MAX_LENGTH + " characters");
        }
        URI u;
        try {
            u = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw KeywayException.validation("url", "url is not a valid URL: " + Names.printable(e.getReason()));
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw KeywayException.validation("url", "url must start with http:// or https://");
        }
        if (u.getHost() == null || u.getHost().isBlank()) {
            throw KeywayException.validation("url", "url has no host");
        }
        if (u.getRawUserInfo() != null) {
            throw KeywayException.validation("url", "url must not contain user:password@; put credentials in the path or "
                    + "use a receiver that needs none");
        }
        if (u.getRawFragment() != null) {
            throw KeywayException.validation("url", "url must not contain a #fragment");
        }
        return u;
    }

    /** {@code https://hooks.slack.com/…}: scheme, host and port only. */
    public static String redact(String url) {
        try {
            URI u = new URI(url);
            String base = u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort());
            boolean more = (u.getRawPath() != null && u.getRawPath().length() > 1) || u.getRawQuery() != null;
            return base + (more ? "/…" : "/");
        } catch (URISyntaxException | RuntimeException e) {
            return "(invalid url)";
        }
    }

    /** Host of a stored URL, for audit records. */
    public static String host(String url) {
        try {
            String h = new URI(url).getHost();
            return h == null ? "" : h;
        } catch (URISyntaxException e) {
            return "";
        }
    }
}
