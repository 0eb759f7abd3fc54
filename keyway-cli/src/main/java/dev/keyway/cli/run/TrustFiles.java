package dev.keyway.cli.run;

import java.nio.file.Path;

/**
 * The per-run trust material handed to the child: a PEM bundle with the system roots plus the
 * Keyway CA (so hosts Keyway tunnels without interception still verify), the Keyway CA alone (for
 * {@code NODE_EXTRA_CA_CERTS}, which adds to Node's built-in roots), the same bundle as a PKCS12
 * trust store for JVMs, and the proxy-authentication agent jar. Nothing here is secret: the trust
 * store password only satisfies the JDK's API.
 */
public record TrustFiles(Path bundle, Path keywayCa, Path trustStore, String trustStorePassword, Path agentJar) {}
