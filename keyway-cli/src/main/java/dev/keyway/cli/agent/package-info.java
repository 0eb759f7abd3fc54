/**
 * A tiny Java agent that {@code keyway run} puts on {@code JAVA_TOOL_OPTIONS} so unmodified JVM
 * programs authenticate to the Keyway proxy: it installs a default {@link java.net.Authenticator}
 * that answers only the proxy's Basic challenge (covers {@code HttpURLConnection}), and makes
 * {@code java.net.http.HttpClient} builders start with that default authenticator (the JDK client
 * otherwise ignores it). The agent is loaded into foreign JVMs of any version, so this package is
 * compiled for Java 8 (see the module's pom) and must not depend on anything outside the JDK.
 */
@NullMarked
package dev.keyway.cli.agent;

import org.jspecify.annotations.NullMarked;
