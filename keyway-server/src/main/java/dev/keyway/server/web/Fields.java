package dev.keyway.server.web;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Form controls with their label, hint and error slot. The error paragraph is always present (empty
 * when there is no error) so the validate-as-you-type script can fill it; the server fills it when
 * it re-renders a rejected form.
 */
public final class Fields {
    private Fields() {}

    /** Field errors by form-field name; {@code ""} is the form-level message. */
    public record Errors(Map<String, String> byField) {
        public static final Errors NONE = new Errors(Map.of());

        public Errors {
            byField = Map.copyOf(byField);
        }

        public static Errors of(String field, String message) {
            return new Errors(Map.of(field, message));
        }

        public @Nullable String get(String field) {
            return byField.get(field);
        }

        public boolean any() {
            return !byField.isEmpty();
        }
    }

    /** A text-like input; {@code value} is re-rendered (never pass a secret: use {@link #secret}). */
    public static Html input(String label, String name, String type, String value, Errors errors, @Nullable String hint,
            Html attrs) {
        return wrap(label, name, errors, hint, Html.t("<input id=\"f-{}\" name=\"{}\" type=\"{}\" value=\"{}\" aria-describedby=\"e-{}\"{}>",
                name, name, type, value, name, attrs));
    }

    public static Html input(String label, String name, String value, Errors errors, @Nullable String hint) {
        return input(label, name, "text", value, errors, hint, Html.empty());
    }

    /** A write-only input: its value is never rendered back, not even after a failed submit. */
    public static Html secret(String label, String name, Errors errors, @Nullable String hint, boolean required) {
        return wrap(label, name, errors, hint, Html.t("<input id=\"f-{}\" name=\"{}\" type=\"password\" autocomplete=\"off\" "
                + "spellcheck=\"false\" aria-describedby=\"e-{}\"{}>", name, name, name, Html.flag(required, "required")));
    }

    public static Html textarea(String label, String name, String value, Errors errors, @Nullable String hint, int rows) {
        return wrap(label, name, errors, hint, Html.t("<textarea id=\"f-{}\" name=\"{}\" rows=\"{}\" aria-describedby=\"e-{}\">{}</textarea>",
                name, name, rows, name, value));
    }

    /** A select of {@code options} (each {value, label}). */
    public static Html select(String label, String name, List<String[]> options, String selected, Errors errors, @Nullable String hint) {
        Html opts = Html.each(options, o -> Html.t("<option value=\"{}\"{}>{}</option>", o[0], Html.flag(o[0].equals(selected), "selected"),
                o[1]));
        return wrap(label, name, errors, hint, Html.t("<select id=\"f-{}\" name=\"{}\" aria-describedby=\"e-{}\">{}</select>",
                name, name, name, opts));
    }

    public static Html checkbox(String label, String name, boolean checked, @Nullable String hint) {
        return Html.t("<div class=\"field check\"><label><input type=\"checkbox\" name=\"{}\" value=\"true\"{}> {}</label>{}</div>",
                name, Html.flag(checked, "checked"), label, hint == null ? Html.empty() : Html.t("<p class=\"hint\">{}</p>", hint));
    }

    /** The form-level error (e.g. a conflict), if any. */
    public static Html formError(Errors errors) {
        String m = errors.get("");
        return m == null ? Html.empty() : Html.t("<p class=\"notice error\" role=\"alert\">{}</p>", m);
    }

    private static Html wrap(String label, String name, Errors errors, @Nullable String hint, Html control) {
        String err = errors.get(name);
        return Html.t("""
                <div class="field{}" data-field="{}">
                  <label for="f-{}">{}</label>
                  {}
                  {}
                  <p class="error" id="e-{}" data-error-for="{}"{}>{}</p>
                </div>
                """, err == null ? "" : " has-error", name, name, label, control,
                hint == null ? Html.empty() : Html.t("<p class=\"hint\">{}</p>", hint), name, name,
                Html.flag(err == null, "hidden"), err == null ? "" : err);
    }
}
