package dev.keyway.core.service;

import java.util.Set;

/**
 * Which host patterns are too broad or point inside the network. Small built-in lists, not the
 * full Public Suffix List: they catch the mistakes that matter (a wildcard over a registry or a
 * hosting platform where strangers own the subdomains, an internal or metadata name) and the SSRF
 * guard still vets every resolved address at dial time.
 */
final class HostRules {
    /**
     * Multi-label suffixes under which unrelated parties own the names: country registries and
     * hosting platforms. A wildcard directly over one of them is rejected, as is any wildcard over
     * a single label ({@code *.com}).
     */
    static final Set<String> MULTI_LABEL_PUBLIC_SUFFIXES = Set.of(
            // country second-level registries
            "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "ac.uk", "gov.uk", "sch.uk",
            "com.au", "net.au", "org.au", "edu.au", "gov.au", "id.au",
            "co.nz", "net.nz", "org.nz", "govt.nz", "ac.nz",
            "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "gr.jp",
            "co.kr", "or.kr", "ne.kr", "go.kr",
            "com.br", "net.br", "org.br", "gov.br",
            "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn",
            "com.tw", "org.tw", "com.hk", "org.hk", "com.sg", "edu.sg", "com.my",
            "co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in",
            "co.za", "org.za", "com.mx", "org.mx", "com.ar", "com.tr", "co.il", "org.il",
            "com.ua", "co.id", "or.id", "com.vn", "com.ph", "com.pk", "com.ng", "com.eg",
            "com.sa", "co.th", "in.th", "com.co", "com.pe", "com.pl", "co.at", "or.at", "eu.org",
            // hosting platforms that hand out subdomains to their customers
            "github.io", "githubusercontent.com", "gitlab.io", "herokuapp.com", "herokudns.com",
            "vercel.app", "now.sh", "netlify.app", "netlify.com", "pages.dev", "workers.dev", "r2.dev",
            "trycloudflare.com", "appspot.com", "web.app", "firebaseapp.com", "run.app", "cloudfunctions.net",
            "cloudfront.net", "amazonaws.com", "elasticbeanstalk.com", "awsapprunner.com", "on.aws",
            "azurewebsites.net", "azurestaticapps.net", "azureedge.net", "cloudapp.net", "cloudapp.azure.com",
            "blob.core.windows.net", "azure-api.net", "fly.dev", "onrender.com", "railway.app", "up.railway.app",
            "repl.co", "replit.dev", "glitch.me", "ngrok.io", "ngrok-free.app", "ngrok.app", "loca.lt",
            "supabase.co", "deno.dev", "surge.sh", "bitbucket.io", "blogspot.com", "wordpress.com",
            "myshopify.com", "s3.amazonaws.com", "nip.io", "sslip.io", "localtest.me");

    /** Suffixes (and exact names) that only resolve inside a network or machine. */
    private static final Set<String> INTERNAL_SUFFIXES = Set.of(
            "localhost", "local", "internal", "localdomain", "lan", "intranet", "corp", "home",
            "home.arpa", "arpa", "svc", "cluster.local", "test", "invalid", "example");

    private HostRules() {}

    /**
     * Whether a normalised DNS name (or wildcard base) names something internal: no dot at all
     * ({@code kubernetes}, {@code metadata}), one of the internal suffixes above ({@code
     * localhost}, {@code *.local}, {@code metadata.google.internal}, {@code *.svc}), or the
     * Kubernetes API service ({@code kubernetes.default...}).
     */
    static boolean isInternalName(String name) {
        if (name.indexOf('.') < 0) {
            return true;
        }
        if (name.startsWith("kubernetes.default")) {
            return true;
        }
        for (String suffix : INTERNAL_SUFFIXES) {
            if (name.equals(suffix) || name.endsWith("." + suffix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a wildcard over this base would cover names owned by unrelated parties: a single
     * label ({@code *.com}), a listed suffix ({@code *.co.uk}, {@code *.github.io}) or any AWS
     * regional service suffix ({@code *.s3.us-east-1.amazonaws.com}).
     */
    static boolean isPublicSuffix(String base) {
        return base.indexOf('.') < 0
                || MULTI_LABEL_PUBLIC_SUFFIXES.contains(base)
                || base.endsWith(".amazonaws.com");
    }
}
