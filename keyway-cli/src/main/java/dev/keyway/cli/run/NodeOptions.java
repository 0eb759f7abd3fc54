package dev.keyway.cli.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The child's {@code NODE_OPTIONS}: the user's options, minus a stale {@code --require} of our
 * preload (from an outer {@code keyway run}, whose file may be gone and would stop Node.js from
 * starting), then {@code --require <preload>} so Node.js 18-23 goes through Keyway (see
 * {@code keyway-node-preload.cjs}). Split and quoted as {@link JavaToolOptions} does.
 */
public final class NodeOptions {
    /** The preload's file name in the run's directory. */
    public static final String PRELOAD = "keyway-node-preload.cjs";

    private NodeOptions() {}

    public static String merge(@Nullable String existing, Path preload) {
        List<String> in = JavaToolOptions.tokens(existing == null ? "" : existing);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String t = JavaToolOptions.unquote(in.get(i));
            if ((t.equals("--require") || t.equals("-r")) && i + 1 < in.size() && isOurs(JavaToolOptions.unquote(in.get(i + 1)))) {
                i++;
            } else if (!(t.startsWith("--require=") && isOurs(t))) {
                out.add(in.get(i));
            }
        }
        String p = preload.toString();
        out.add("--require");
        out.add(p.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\\') ? "\"" + p.replace("\\", "\\\\")
                .replace("\"", "\\\"") + "\"" : p);
        return String.join(" ", out);
    }

    private static boolean isOurs(String path) {
        return path.endsWith("/" + PRELOAD) || path.equals(PRELOAD) || path.endsWith("=" + PRELOAD);
    }
}
