package dev.keyway.cli.agent;

import java.net.Authenticator;
import java.net.InetAddress;
import java.net.PasswordAuthentication;
import org.jspecify.annotations.Nullable;

/**
 * Answers the Keyway proxy's {@code 407} challenge and nothing else: a server's {@code 401}, or
 * another proxy's challenge, gets no credentials, so the token is only ever sent to the proxy it
 * belongs to.
 */
final class KeywayProxyAuthenticator extends Authenticator {
    private final ProxyCredentials creds;

    KeywayProxyAuthenticator(ProxyCredentials creds) {
        this.creds = creds;
    }

    @Override
    protected @Nullable PasswordAuthentication getPasswordAuthentication() {
        if (getRequestorType() != RequestorType.PROXY || getRequestingPort() != creds.port) {
            return null;
        }
        if (!matchesHost(getRequestingHost(), getRequestingSite())) {
            return null;
        }
        return new PasswordAuthentication(creds.user, creds.password.clone());
    }

    private boolean matchesHost(@Nullable String host, @Nullable InetAddress site) {
        if (host != null && host.equalsIgnoreCase(creds.host)) {
            return true;
        }
        return site != null && (creds.host.equalsIgnoreCase(site.getHostAddress()));
    }
}
