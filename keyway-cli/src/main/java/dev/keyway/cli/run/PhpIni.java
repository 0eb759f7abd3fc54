package dev.keyway.cli.run;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What PHP gets from {@code keyway run}. PHP reads neither the proxy variables in its stream wrappers
 * nor {@code CURL_CA_BUNDLE} in its curl extension (libcurl is told PHP's own default CA path), so
 * the run writes an ini file ({@code curl.cainfo}, {@code openssl.cafile}, and an
 * {@code auto_prepend_file} that points the default stream context at the proxy) into a directory
 * added to {@code PHP_INI_SCAN_DIR}. PHP reads the scan directories in order and the last setting
 * wins, so ours comes last; the user's own directories stay, and an empty entry keeps PHP's compiled-in
 * scan directory (where distributions put {@code curl.ini} and friends) when none was set.
 */
public final class PhpIni {
    /** The run's ini directory name (also how a stale one from an outer run is recognised). */
    public static final String DIR = "keyway-php.d";
    /** The stream-context preload's file name. */
    public static final String PREPEND = "keyway-php-prepend.php";

    private PhpIni() {}

    /**
     * The child's {@code PHP_INI_SCAN_DIR}: the inherited entries minus an outer run's directory of
     * ours (deleted or about to be), then {@code dir}. With nothing inherited the result starts with an
     * empty entry, PHP's compiled-in scan directory; an inherited empty value (scanning turned off)
     * stays off except for ours.
     */
    public static String scanDir(@Nullable String existing, Path dir) {
        List<String> out = new ArrayList<>();
        if (existing == null) {
            out.add("");
        } else if (!existing.isEmpty()) {
            for (String e : existing.split(File.pathSeparator, -1)) {
                if (!isOurs(e)) {
                    out.add(e);
                }
            }
        }
        out.add(dir.toString());
        return String.join(File.pathSeparator, out);
    }

    /** The ini file's text: trust the bundle for curl and for streams, and load the stream preload. */
    public static String ini(Path bundle, Path prepend) {
        return "; keyway run: trust the Keyway CA and the system roots, route http/https streams through Keyway\n"
                + "curl.cainfo = " + quoted(bundle) + "\n"
                + "openssl.cafile = " + quoted(bundle) + "\n"
                + "auto_prepend_file = " + quoted(prepend) + "\n";
    }

    private static String quoted(Path p) {
        String s = p.toString();
        if (s.contains("\"") || s.contains("\n") || s.contains("$")) {
            throw new IllegalArgumentException("a path PHP's ini syntax cannot quote: " + s);
        }
        return "\"" + s + "\"";
    }

    private static boolean isOurs(String entry) {
        return entry.equals(DIR) || entry.endsWith("/" + DIR) || entry.endsWith("/" + DIR + "/");
    }
}
