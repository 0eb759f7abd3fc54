package dev.keyway.server.web;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A fragment of HTML that is safe to put in a page: the web console's whole templating system.
 *
 * <p>Why our own: the console renders a few dozen small pages, and the template engines' sandboxes
 * have leaked before; a reflection-free interpolator whose only way to emit markup is a trusted
 * template string is small enough to review. The rule is simple: {@link #t} takes a template
 * written in this code base (never built from input) with {@code {}} placeholders; every argument
 * that is not already {@code Html} is escaped (text and quoted-attribute safe), so untrusted data
 * can never become markup. Templates put placeholders only in element text and in double-quoted
 * attribute values; URLs are built with {@link Urls}, never from raw input. There are no inline
 * scripts or styles (the Content-Security-Policy forbids them).
 */
public final class Html {
    private static final Html EMPTY = new Html("");

    private final String markup;

    private Html(String markup) {
        this.markup = markup;
    }

    /** Interpolates {@code args} into {@code template} at each {@code {}}, escaping all but {@code Html} arguments. */
    public static Html t(String template, @Nullable Object... args) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        int arg = 0;
        int i = 0;
        while (true) {
            int at = template.indexOf("{}", i);
            if (at < 0) {
                break;
            }
            if (arg >= args.length) {
                throw new IllegalArgumentException("template has more {} than arguments (" + args.length + ")");
            }
            out.append(template, i, at);
            append(out, args[arg++]);
            i = at + 2;
        }
        if (arg != args.length) {
            throw new IllegalArgumentException("template has " + arg + " {} but " + args.length + " arguments");
        }
        out.append(template, i, template.length());
        return new Html(out.toString());
    }

    /** Escaped text. */
    public static Html text(@Nullable Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value);
        return new Html(out.toString());
    }

    public static Html empty() {
        return EMPTY;
    }

    /** Concatenation of fragments. */
    public static Html join(Collection<Html> parts) {
        StringBuilder out = new StringBuilder();
        parts.forEach(p -> out.append(p.markup));
        return new Html(out.toString());
    }

    public static Html join(Html... parts) {
        return join(List.of(parts));
    }

    /** One fragment per item, concatenated. */
    public static <T> Html each(Collection<T> items, Function<? super T, Html> render) {
        List<Html> parts = new ArrayList<>(items.size());
        items.forEach(x -> parts.add(render.apply(x)));
        return join(parts);
    }

    /** {@code html} when {@code condition} holds, else nothing. */
    public static Html when(boolean condition, java.util.function.Supplier<Html> html) {
        return condition ? html.get() : EMPTY;
    }

    /** The {@code selected}/{@code checked}-style boolean attribute, or nothing. */
    public static Html flag(boolean on, String attribute) {
        if (!attribute.matches("[a-z-]+")) {
            throw new IllegalArgumentException("not an attribute name: " + attribute);
        }
        return on ? new Html(" " + attribute) : EMPTY;
    }

    /** Escapes for HTML text and double- or single-quoted attribute values. */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        escapeInto(out, s);
        return out.toString();
    }

    private static void append(StringBuilder out, @Nullable Object v) {
        if (v == null) {
            return;
        }
        if (v instanceof Html h) {
            out.append(h.markup);
        } else {
            escapeInto(out, v.toString());
        }
    }

    private static void escapeInto(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '`' -> out.append("&#96;");
                case '\0' -> out.append('\uFFFD');
                default -> out.append(c);
            }
        }
    }

    /** The markup. */
    @Override
    public String toString() {
        return markup;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Html h && h.markup.equals(markup);
    }

    @Override
    public int hashCode() {
        return markup.hashCode();
    }
}
