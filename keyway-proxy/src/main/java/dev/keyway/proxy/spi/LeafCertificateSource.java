package dev.keyway.proxy.spi;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Supplies the certificate the proxy presents to a client for an intercepted host. Minting happens
 * off the event loop; concurrent requests for one host share one mint; results are cached.
 */
public interface LeafCertificateSource {
    /** @param hostOrIp the CONNECT host (a DNS name or an IP literal) */
    CompletableFuture<Leaf> leafFor(String hostOrIp);

    /** A leaf key and its chain (leaf first, then the Keyway CA). */
    record Leaf(PrivateKey key, List<X509Certificate> chain) {
        public Leaf {
            chain = List.copyOf(chain);
        }
    }
}
