package dev.keyway.cli.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders a built environment for other launchers: {@code --print-env} shows what would be set
 * with the token masked (safe to paste in a ticket), {@code --shell} prints {@code unset}/{@code export}
 * lines to {@code eval} (those carry the real token, which is the point).
 */
public final class EnvPrinter {
    private EnvPrinter() {}

    /** {@code kw_tok_4f...} becomes {@code kw_tok_****}; anything else becomes {@code ****}. */
    public static String maskToken(String token) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^kw_[a-z]{2,4}_").matcher(token);
        return (m.find() ? m.group() : "") + "****";
    }

    /** {@code NAME=value} lines with every occurrence of the token masked, preceded by a comment naming the dropped variables. */
    public static List<String> printEnv(ChildEnv.Result env, String token) {
        List<String> out = new ArrayList<>();
        if (!env.removed().isEmpty()) {
            out.add("# removed from the inherited environment: " + String.join(" ", env.removed()));
        }
        String masked = maskToken(token);
        for (Map.Entry<String, String> e : env.set().entrySet()) {
            out.add(e.getKey() + "=" + e.getValue().replace(token, masked));
        }
        return out;
    }

    /** POSIX shell lines: {@code unset} for dropped variables, then {@code export NAME='value'}. */
    public static List<String> shell(ChildEnv.Result env) {
        List<String> out = new ArrayList<>();
        for (String r : env.removed()) {
            if (r.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                out.add("unset " + r);
            }
        }
        for (Map.Entry<String, String> e : env.set().entrySet()) {
            out.add("export " + e.getKey() + "=" + quote(e.getValue()));
        }
        return out;
    }

    static String quote(String v) {
        return "'" + v.replace("'", "'\\''") + "'";
    }
}
