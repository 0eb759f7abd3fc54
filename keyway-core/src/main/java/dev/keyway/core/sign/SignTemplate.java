package dev.keyway.core.sign;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The template language of the signing injections: literal text, {@code {variable}} for a
 * per-request value ({@link SignVariable}: lower-case) and, where the caller allows it,
 * {@code {CREDENTIAL}} for a credential's value (upper-case, as everywhere in Keyway). {@code {{}
 * and {@code }}} stand for literal braces. Nothing else: no functions, no expressions, so a
 * template can only ever produce the bytes the provider documents.
 *
 * <p>Why a separate language from header templates: the string to sign mixes request parts that
 * exist only once the request is final (the proxy's own headers set, the body buffered) and is
 * parsed when the service is saved, so a typo ({@code {methd}}) is a 400 naming its position, not
 * a request that silently fails upstream.
 *
 * @param source the template as written
 * @param parts the parsed pieces, in order
 */
public record SignTemplate(String source, List<Part> parts) {
    /** The longest template accepted. */
    public static final int MAX_LENGTH = 1024;

    private static final Pattern CREDENTIAL = Pattern.compile("^[A-Z][A-Z0-9_]{0,127}$");

    public SignTemplate {
        Objects.requireNonNull(source, "source");
        parts = List.copyOf(parts);
    }

    /** One piece of a parsed template. */
    public sealed interface Part {
        /** Text copied verbatim (UTF-8). */
        record Literal(String text) implements Part {}

        /** A per-request value. */
        record Variable(SignVariable variable) implements Part {}

        /** A credential's value, by name. */
        record Credential(String name) implements Part {}
    }

    /**
     * Parses {@code source}.
     *
     * @param allowed the variables this template may use
     * @param credentials whether {@code {CREDENTIAL}} references are allowed
     * @throws IllegalArgumentException naming the position (0-based) of the first problem
     */
    public static SignTemplate parse(String source, Set<SignVariable> allowed, boolean credentials) {
        if (source.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a template has at most " + MAX_LENGTH + " characters (this one has "
                    + source.length() + ")");
        }
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException(String.format("control character U+%04X at position %d", (int) c, i));
            }
            if (c == '}') {
                if (i + 1 < n && source.charAt(i + 1) == '}') {
                    literal.append('}');
                    i += 2;
                    continue;
                }
                throw new IllegalArgumentException("unmatched '}' at position " + i + " (write '}}' for a literal brace)");
            }
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 < n && source.charAt(i + 1) == '{') {
                literal.append('{');
                i += 2;
                continue;
            }
            int close = source.indexOf('}', i + 1);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' at position " + i + " (write '{{' for a literal brace)");
            }
            String name = source.substring(i + 1, close);
            Part part;
            if (CREDENTIAL.matcher(name).matches()) {
                if (!credentials) {
                    throw new IllegalArgumentException("credential reference '{" + name + "}' at position " + i
                            + " is not allowed here; expected one of " + names(allowed));
                }
                part = new Part.Credential(name);
            } else {
                SignVariable v = SignVariable.fromWireName(name).orElse(null);
                if (v == null || !allowed.contains(v)) {
                    throw new IllegalArgumentException((v == null ? "unknown variable '{" : "variable '{")
                            + printable(name) + "}' at position " + i + (v == null ? "" : " is not available here")
                            + "; expected one of " + names(allowed) + (credentials ? " or a credential such as {API_KEY}" : ""));
                }
                part = new Part.Variable(v);
            }
            if (!literal.isEmpty()) {
                parts.add(new Part.Literal(literal.toString()));
                literal.setLength(0);
            }
            parts.add(part);
            i = close + 1;
        }
        if (!literal.isEmpty()) {
            parts.add(new Part.Literal(literal.toString()));
        }
        return new SignTemplate(source, parts);
    }

    /** The variables this template uses. */
    public Set<SignVariable> variables() {
        EnumSet<SignVariable> out = EnumSet.noneOf(SignVariable.class);
        for (Part p : parts) {
            if (p instanceof Part.Variable(SignVariable v)) {
                out.add(v);
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** The credentials this template references, in order of first use. */
    public Set<String> credentialNames() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p instanceof Part.Credential(String name)) {
                out.add(name);
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** Whether rendering needs the request body. */
    public boolean needsBody() {
        return variables().stream().anyMatch(SignVariable::needsBody);
    }

    /**
     * The rendered bytes.
     *
     * @param values the request's values
     * @param credential a credential's value by name (only called for {@code {CREDENTIAL}} parts; the
     *     returned array is read, not kept)
     */
    public byte[] render(RequestValues values, Function<String, byte[]> credential) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (needsBody() ? values.body().length : 0));
        for (Part p : parts) {
            switch (p) {
                case Part.Literal(String text) -> out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                case Part.Variable(SignVariable v) -> out.writeBytes(values.value(v));
                case Part.Credential(String name) -> out.writeBytes(credential.apply(name));
            }
        }
        return out.toByteArray();
    }

    /** Renders a template that references no credential. */
    public byte[] render(RequestValues values) {
        return render(values, name -> {
            throw new IllegalStateException("template references a credential");
        });
    }

    /** The source of this template with each credential reference renamed by {@code rename}. */
    public String renameCredentials(java.util.function.UnaryOperator<String> rename) {
        StringBuilder b = new StringBuilder(source.length());
        for (Part p : parts) {
            switch (p) {
                case Part.Literal(String text) -> b.append(text.replace("{", "{{").replace("}", "}}"));
                case Part.Variable(SignVariable v) -> b.append('{').append(v.wireName()).append('}');
                case Part.Credential(String name) -> b.append('{').append(rename.apply(name)).append('}');
            }
        }
        return b.toString();
    }

    private static String names(Set<SignVariable> allowed) {
        List<String> out = new ArrayList<>();
        for (SignVariable v : SignVariable.values()) {
            if (allowed.contains(v)) {
                out.add("{" + v.wireName() + "}");
            }
        }
        return String.join(", ", out);
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 37) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (char ch : cut.toCharArray()) {
            b.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return b.toString();
    }
}
