package dev.keyway.cli.run;

import java.nio.file.Path;

/**
 * The per-run trust material handed to the child: a PEM bundle with the system roots plus the
 * Keyway CA (so hosts Keyway tunnels without interception still verify), the Keyway CA alone (for
 * {@code NODE_EXTRA_CA_CERTS}, which adds to Node's built-in roots), the same bundle as a PKCS12
 * trust store for JVMs, the proxy-authentication agent jar, the Node.js preload that routes Node.js
 * 18-23 through the proxy, a wgetrc naming the bundle (GNU wget ignores {@code SSL_CERT_FILE}), and a
 * PHP ini directory for {@code PHP_INI_SCAN_DIR} (see {@link PhpIni}).
 * Nothing here is secret: the trust store password only satisfies the JDK's API.
 */
public record TrustFiles(Path bundle, Path keywayCa, Path trustStore, String trustStorePassword, Path agentJar, Path nodePreload,
        Path wgetrc, Path phpIniDir) {}
