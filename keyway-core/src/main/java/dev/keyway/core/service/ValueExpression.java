package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * A composite value: the expression language allowed inside the {@code {...}} of a header template
 * and in {@code query} and {@code substitute} values, e.g. {@code base64(JIRA_EMAIL + ":" +
 * JIRA_TOKEN)}. Many APIs want a credential combined with another one or with fixed text before it
 * is sent (Basic auth with an e-mail and an API token, a signed digest); without this, users copy a
 * pre-computed secret into Keyway and must recompute it by hand after every rotation.
 *
 * <h2>Grammar</h2>
 *
 * <pre>{@code
 * expr := term ( '+' term )*                     concatenation
 * term := NAME                                   a credential (Names.CREDENTIAL_NAME)
 *       | '"' ( char | '\"' | '\\' )* '"'         a literal (printable, no control characters)
 *       | FUNCTION '(' expr ( ',' expr )* ')'    see ValueFunction
 * }</pre>
 *
 * Spaces and tabs may separate tokens. Every value is a byte string (credentials as stored,
 * literals as UTF-8); there is nothing else: no variables, no loops, no access to anything but named
 * credentials, so an expression can never reach Java objects. Everything is bounded: the source
 * ({@link #MAX_SOURCE} characters), nesting ({@link #MAX_DEPTH}), size ({@link #MAX_NODES} nodes)
 * and every intermediate and final result ({@link #MAX_OUTPUT} bytes, checked by {@link #evaluate}).
 *
 * <p>Parsing checks everything that can be checked without values (names, functions, arity), so a
 * service is refused when it is saved, with the position of the error; evaluation can then only fail
 * on the values (missing credential, output too large), which the injector refuses at request time.
 */
public sealed interface ValueExpression {
    /** The longest accepted source, in characters. */
    int MAX_SOURCE = 4096;
    /** The deepest accepted nesting of function calls. */
    int MAX_DEPTH = 16;
    /** The most nodes (credentials, literals, calls) one expression may have. */
    int MAX_NODES = 256;
    /** The largest value any step of an evaluation may produce, in bytes (16 KiB). */
    int MAX_OUTPUT = 16 * 1024;

    /** The credentials this expression reads, in order of first use. */
    default Set<String> credentialNames() {
        Set<String> out = new LinkedHashSet<>();
        collect(this, out);
        return Collections.unmodifiableSet(out);
    }

    /**
     * The canonical source of this expression (re-parses to an equal expression): single spaces
     * around {@code +}, none elsewhere. Used as a cache key and when renaming credentials.
     */
    String source();

    /** A credential's value. */
    record Credential(String name) implements ValueExpression {
        public Credential {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String source() {
            return name;
        }
    }

    /** A literal, already unescaped. */
    record Literal(String text) implements ValueExpression {
        public Literal {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String source() {
            return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
    }

    /** {@code a + b + ...}: the values one after the other. */
    record Concat(List<ValueExpression> parts) implements ValueExpression {
        public Concat {
            parts = List.copyOf(parts);
        }

        @Override
        public String source() {
            StringBuilder sb = new StringBuilder();
            for (ValueExpression p : parts) {
                if (!sb.isEmpty()) {
                    sb.append(" + ");
                }
                sb.append(p.source());
            }
            return sb.toString();
        }
    }

    /** A function applied to its arguments (arity checked when parsed). */
    record Call(ValueFunction function, List<ValueExpression> args) implements ValueExpression {
        public Call {
            Objects.requireNonNull(function, "function");
            args = List.copyOf(args);
        }

        @Override
        public String source() {
            StringBuilder sb = new StringBuilder(function.functionName()).append('(');
            for (int i = 0; i < args.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(args.get(i).source());
            }
            return sb.append(')').toString();
        }
    }

    /** Thrown by {@link #evaluate} when a result would exceed {@link #MAX_OUTPUT}; names no value. */
    final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Parses a whole expression.
     *
     * @throws IllegalArgumentException with a user-facing message naming the 0-based position
     */
    static ValueExpression parse(String source) {
        ExpressionParser p = new ExpressionParser(source, 0, 0);
        ValueExpression e = p.expression();
        p.expectEnd();
        return e;
    }

    /**
     * Parses the expression that starts at {@code from} inside {@code text} (a template), stopping
     * before the first character that cannot continue it; positions in messages are positions in
     * {@code text}. Returns the expression and the index where it ended.
     */
    static Parsed parseAt(String text, int from) {
        ExpressionParser p = new ExpressionParser(text, from, from);
        ValueExpression e = p.expression();
        return new Parsed(e, p.position());
    }

    /**
     * A {@code query} or {@code substitute} value: a credential name (today's meaning) or one
     * expression in braces, e.g. {@code "{hex(sha256(API_KEY))}"}.
     *
     * @throws IllegalArgumentException with a user-facing message naming the position
     */
    static ValueExpression parseValue(String spec) {
        if (Names.isCredentialName(spec)) {
            return new Credential(spec);
        }
        if (spec.length() > MAX_SOURCE + 2) {
            throw new IllegalArgumentException("expression longer than " + MAX_SOURCE + " characters");
        }
        if (!spec.startsWith("{")) {
            throw new IllegalArgumentException("'" + Names.printable(spec) + "' is not a credential name: use upper-case"
                    + " letters, digits and '_', starting with a letter (e.g. OPENAI_API_KEY), or an expression in braces"
                    + " (e.g. {base64(USER + \":\" + PASSWORD)})");
        }
        Parsed p = parseAt(spec, 1);
        if (p.end() != spec.length() - 1 || spec.charAt(p.end()) != '}') {
            throw new IllegalArgumentException(p.end() >= spec.length()
                    ? "unclosed '{' at position 0"
                    : "unexpected '" + spec.charAt(p.end()) + "' at position " + p.end()
                            + ": expected '+' or the '}' that ends the expression");
        }
        return p.expression();
    }

    /** {@link #parseValue}'s inverse: a credential name as is, any other expression in braces. */
    static String valueSpec(ValueExpression e) {
        return e instanceof Credential(String name) ? name : "{" + e.source() + "}";
    }

    /** The credentials a value spec reads; a spec that does not parse is returned as the one name (invalid definitions). */
    static Set<String> credentialNamesOfValue(String spec) {
        if (Names.isCredentialName(spec)) {
            return Set.of(spec);
        }
        try {
            return parseValue(spec).credentialNames();
        } catch (IllegalArgumentException e) {
            return Set.of(spec);
        }
    }

    /** An expression parsed from inside a larger text, and the index just after it. */
    record Parsed(ValueExpression expression, int end) {}

    /**
     * Evaluates {@code e}, reading credentials through {@code credential} (which owns the arrays it
     * returns and may throw to refuse one). The result is a new array the caller owns; intermediate
     * arrays are wiped.
     *
     * @throws TooLarge when any step would produce more than {@link #MAX_OUTPUT} bytes
     */
    static byte[] evaluate(ValueExpression e, Function<String, byte[]> credential) {
        return switch (e) {
            case Credential c -> bounded(credential.apply(c.name()).clone(), c);
            case Literal l -> bounded(l.text().getBytes(java.nio.charset.StandardCharsets.UTF_8), l);
            case Concat c -> {
                List<byte[]> values = new ArrayList<>(c.parts().size());
                try {
                    long total = 0;
                    for (ValueExpression p : c.parts()) {
                        byte[] v = evaluate(p, credential);
                        values.add(v);
                        total += v.length;
                        if (total > MAX_OUTPUT) {
                            throw tooLarge(c);
                        }
                    }
                    byte[] out = new byte[(int) total];
                    int at = 0;
                    for (byte[] v : values) {
                        System.arraycopy(v, 0, out, at, v.length);
                        at += v.length;
                    }
                    yield out;
                } finally {
                    values.forEach(v -> java.util.Arrays.fill(v, (byte) 0));
                }
            }
            case Call c -> {
                List<byte[]> args = new ArrayList<>(c.args().size());
                try {
                    for (ValueExpression a : c.args()) {
                        byte[] v = evaluate(a, credential);
                        args.add(v);
                        if (c.function().maxOutput(v) > MAX_OUTPUT) {
                            throw tooLarge(c);
                        }
                    }
                    yield bounded(c.function().apply(args), c);
                } finally {
                    args.forEach(v -> java.util.Arrays.fill(v, (byte) 0));
                }
            }
        };
    }

    private static byte[] bounded(byte[] value, ValueExpression at) {
        if (value.length > MAX_OUTPUT) {
            java.util.Arrays.fill(value, (byte) 0);
            throw tooLarge(at);
        }
        return value;
    }

    private static TooLarge tooLarge(ValueExpression at) {
        String src = at.source();
        return new TooLarge("the value of '" + (src.length() > 80 ? src.substring(0, 77) + "..." : src)
                + "' would be longer than " + MAX_OUTPUT + " bytes");
    }

    private static void collect(ValueExpression e, Set<String> out) {
        switch (e) {
            case Credential c -> out.add(c.name());
            case Literal l -> {}
            case Concat c -> c.parts().forEach(p -> collect(p, out));
            case Call c -> c.args().forEach(a -> collect(a, out));
        }
    }

    /** The same expression with credentials renamed (names not in {@code renames} stay). */
    static ValueExpression rename(ValueExpression e, Function<String, String> renames) {
        return switch (e) {
            case Credential c -> new Credential(renames.apply(c.name()));
            case Literal l -> l;
            case Concat c -> new Concat(c.parts().stream().map(p -> rename(p, renames)).toList());
            case Call c -> new Call(c.function(), c.args().stream().map(a -> rename(a, renames)).toList());
        };
    }
}
