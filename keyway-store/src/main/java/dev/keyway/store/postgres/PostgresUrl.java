package dev.keyway.store.postgres;

import dev.keyway.core.error.KeywayException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * A database URL as operators write it, {@code postgresql://USER:PASS@HOST:PORT/DB?sslmode=...}
 * (also {@code postgres://}), turned into what pgjdbc takes: a {@code jdbc:postgresql:} URL
 * without the credentials, plus user and password properties. Query parameters pass through to
 * pgjdbc unchanged.
 *
 * <p>Why a type: the password must never reach a log line or an error message, so
 * {@link #toString()} and {@link #redacted()} drop it, and parsing errors never echo the input.
 *
 * @param host host name or address (IPv6 in brackets)
 * @param port TCP port (5432 when omitted)
 * @param database database name
 * @param user user name, or null to let pgjdbc use its default
 * @param password password, or null
 * @param query raw query string passed to pgjdbc, or null
 */
public record PostgresUrl(String host, int port, String database, @Nullable String user, @Nullable String password,
        @Nullable String query) {

    /** True if {@code url} uses one of the PostgreSQL schemes (and so is meant for this parser). */
    public static boolean isPostgres(String url) {
        return url.startsWith("postgresql://") || url.startsWith("postgres://");
    }

    /**
     * Parses {@code url}.
     *
     * @throws KeywayException VALIDATION naming what is wrong (never the URL itself: it holds a password)
     */
    public static PostgresUrl parse(String url) {
        if (!isPostgres(url)) {
            throw KeywayException.validation("database_url", "the database URL must start with postgresql://");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw KeywayException.validation("database_url", "the database URL is not a valid URL (at index "
                    + e.getIndex() + "); percent-encode special characters in the user name and password");
        }
        String host = u.getHost();
        if (host == null || host.isBlank()) {
            throw KeywayException.validation("database_url", "the database URL has no host");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        String db = path.startsWith("/") ? decode(path.substring(1)) : "";
        if (db.isBlank() || db.contains("/")) {
            throw KeywayException.validation("database_url", "the database URL must name one database: postgresql://HOST:PORT/DB");
        }
        String user = null;
        String password = null;
        String info = u.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        return new PostgresUrl(host, u.getPort() < 0 ? 5432 : u.getPort(), db, user, password, u.getRawQuery());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The pgjdbc URL: host, port, database and the query parameters, no credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + encodePath(database) + (query == null ? "" : "?" + query);
    }

    private static String encodePath(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** User and password as pgjdbc connection properties. */
    public Properties credentials() {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        return p;
    }

    /** For logs and status pages: the URL with the password replaced by {@code ***}. */
    public String redacted() {
        String auth = user == null ? "" : user + (password == null ? "" : ":***") + "@";
        String q = query == null ? "" : "?" + query.replaceAll("(?i)(^|&)(password|sslpassword)=[^&]*", "$1$2=***");
        return "postgresql://" + auth + host + ":" + port + "/" + database + q;
    }

    @Override
    public String toString() {
        return redacted();
    }
}
