package dev.keyway.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** URL path-segment encoding for names typed by users. */
final class Paths {
    private Paths() {}

    static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
