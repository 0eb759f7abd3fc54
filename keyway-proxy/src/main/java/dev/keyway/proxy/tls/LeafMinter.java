package dev.keyway.proxy.tls;

import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Mints the short-lived server certificate the proxy presents for one intercepted host.
 *
 * <p>Every leaf gets a fresh EC P-256 key (about 0.1 ms; no key is shared between hosts) and:
 *
 * <ul>
 *   <li>a SubjectAltName with the {@code dNSName} (or {@code iPAddress} for an IP literal); clients
 *       match hostnames only against the SAN. The subject is {@code CN=<host>} when the host is a DNS
 *       name of at most 64 characters (the X.520 limit), otherwise empty, in which case the SAN is
 *       marked critical as RFC 5280 requires;
 *   <li>BasicConstraints {@code CA:false}, KeyUsage {@code digitalSignature} (critical), ExtendedKeyUsage
 *       {@code serverAuth};
 *   <li>an AuthorityKeyIdentifier naming the CA's key, and deliberately <em>no</em>
 *       SubjectKeyIdentifier: some clients build wrong chains from leaf SKIs when many leaves share a
 *       CA (mitmproxy issue 6494);
 *   <li>a random positive 128-bit serial, so two leaves never collide even across restarts;
 *   <li>{@code notBefore} {@link #BACKDATE} in the past (clients with slow clocks still accept it)
 *       and {@code notAfter} {@code now + validity} (default {@link #DEFAULT_VALIDITY}), never past
 *       the CA's own {@code notAfter}.
 * </ul>
 *
 * <p>Thread-safe; each call is independent and CPU-bound (about a quarter of a millisecond), so
 * call it off the event loop (see {@link LeafCache}).
 */
public final class LeafMinter {
    /** Default leaf lifetime: short enough that a leaked leaf key is worth little. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);

    /** Longest leaf lifetime accepted (the CA/Browser Forum maximum for public leaves). */
    public static final Duration MAX_VALIDITY = Duration.ofDays(397);

    /** How far {@code notBefore} is set in the past, to tolerate client clock skew. */
    public static final Duration BACKDATE = Duration.ofDays(2);

    private static final int MAX_CN_LENGTH = 64;

    private final CertificateAuthority ca;
    private final X500Name issuer;
    private final AuthorityKeyIdentifier authorityKeyIdentifier;
    private final Clock clock;
    private final Duration validity;
    private final SecureRandom random = new SecureRandom();

    /** A minter with the {@link #DEFAULT_VALIDITY default} 24 hour lifetime. */
    public LeafMinter(CertificateAuthority ca, Clock clock) {
        this(ca, clock, DEFAULT_VALIDITY);
    }

    /** @param validity leaf lifetime from now; positive and at most {@link #MAX_VALIDITY} */
    public LeafMinter(CertificateAuthority ca, Clock clock, Duration validity) {
        if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("invalid leaf validity: " + validity + " (must be in (0, 397 days])");
        }
        this.ca = ca;
        this.issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
        this.authorityKeyIdentifier = new AuthorityKeyIdentifier(ca.keyIdentifier());
        this.clock = clock;
        this.validity = validity;
    }

    /** The clock leaf validity is computed from (shared with {@link LeafCache}). */
    public Clock clock() {
        return clock;
    }

    /** The lifetime of minted leaves. */
    public Duration validity() {
        return validity;
    }

    /**
     * Mints a leaf for the host.
     *
     * @param hostOrIp a DNS name or IP literal, in any spelling {@link CertificateHost#parse} accepts
     * @return the new key and the chain {@code [leaf, CA]}
     * @throws dev.keyway.core.error.KeywayException ({@code malformed-request}) for an invalid host
     */
    public Leaf mint(String hostOrIp) {
        CertificateHost host = CertificateHost.parse(hostOrIp);
        KeyPair keys = CertSupport.newP256KeyPair(random);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant notAfter = now.plus(validity);
        Instant caNotAfter = ca.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caNotAfter)) {
            notAfter = caNotAfter;
        }
        X500Name subject = subjectFor(host);
        boolean emptySubject = subject.getRDNs().length == 0;
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer,
                CertSupport.randomSerial(random),
                Date.from(now.minus(BACKDATE)),
                Date.from(notAfter),
                subject,
                keys.getPublic());
        try {
            builder.addExtension(Extension.subjectAlternativeName, emptySubject, new GeneralNames(sanFor(host)));
            builder.addExtension(Extension.basicConstraints, false, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyIdentifier);
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot encode leaf extensions", e);
        }
        X509Certificate leaf = CertSupport.toX509(builder.build(CertSupport.signer(ca.privateKey())));
        return new Leaf(keys.getPrivate(), List.of(leaf, ca.certificate()));
    }

    private static X500Name subjectFor(CertificateHost host) {
        if (host instanceof CertificateHost.Dns(String name) && name.length() <= MAX_CN_LENGTH) {
            return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
        }
        return new X500NameBuilder(BCStyle.INSTANCE).build();
    }

    private static GeneralName sanFor(CertificateHost host) {
        return switch (host) {
            case CertificateHost.Dns(String name) -> new GeneralName(GeneralName.dNSName, name);
            case CertificateHost.Ip(var address) ->
                new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress()));
        };
    }
}
