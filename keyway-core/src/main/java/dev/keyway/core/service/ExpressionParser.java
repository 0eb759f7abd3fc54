package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hand-written recursive-descent parser of {@link ValueExpression} (see its grammar). Bounded:
 * the source length, the nesting depth and the node count are checked, so no input can exhaust the
 * stack or the heap. Messages give 0-based positions in the text being parsed.
 */
final class ExpressionParser {
    private final String text;
    private final int start;
    private int pos;
    private int depth;
    private int nodes;

    ExpressionParser(String text, int start, int pos) {
        this.text = text;
        this.start = start;
        this.pos = pos;
    }

    int position() {
        skipSpace();
        return pos;
    }

    ValueExpression expression() {
        List<ValueExpression> parts = new ArrayList<>();
        parts.add(term());
        skipSpace();
        while (pos < text.length() && text.charAt(pos) == '+') {
            pos++;
            parts.add(term());
            skipSpace();
        }
        return parts.size() == 1 ? parts.get(0) : new ValueExpression.Concat(parts);
    }

    void expectEnd() {
        skipSpace();
        if (pos < text.length()) {
            throw error("unexpected " + describe(pos) + " at position " + pos + ": expected '+' or the end");
        }
    }

    private ValueExpression term() {
        skipSpace();
        if (pos - start > ValueExpression.MAX_SOURCE) {
            throw error("expression longer than " + ValueExpression.MAX_SOURCE + " characters");
        }
        if (++nodes > ValueExpression.MAX_NODES) {
            throw error("expression has more than " + ValueExpression.MAX_NODES + " parts (at position " + pos + ")");
        }
        if (pos >= text.length()) {
            throw error("expected a credential name, a \"literal\" or a function at position " + pos
                    + " (the end of the expression)");
        }
        char c = text.charAt(pos);
        if (c == '"') {
            return literal();
        }
        if (!isIdentStart(c)) {
            throw error("unexpected " + describe(pos) + " at position " + pos
                    + ": expected a credential name, a \"literal\" or a function");
        }
        int at = pos;
        while (pos < text.length() && isIdentPart(text.charAt(pos))) {
            pos++;
        }
        String name = text.substring(at, pos);
        int afterName = pos;
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == '(') {
            return call(name, at);
        }
        pos = afterName;
        if (!Names.isCredentialName(name)) {
            Optional<ValueFunction> f = ValueFunction.byName(name);
            throw error("'" + Names.printable(name) + "' at position " + at + " is not a credential reference: "
                    + "credential names match " + Names.CREDENTIAL_NAME.pattern()
                    + (f.isPresent() ? "; to call the function write " + name + "(...)" : "")
                    + " (write '{{' for a literal brace)");
        }
        return new ValueExpression.Credential(name);
    }

    private ValueExpression call(String name, int at) {
        ValueFunction f = ValueFunction.byName(name).orElseThrow(() -> error("unknown function '"
                + Names.printable(name) + "' at position " + at + "; the functions are " + ValueFunction.names()));
        if (++depth > ValueExpression.MAX_DEPTH) {
            throw error("functions nested deeper than " + ValueExpression.MAX_DEPTH + " at position " + at);
        }
        pos++; // '('
        List<ValueExpression> args = new ArrayList<>();
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == ')') {
            pos++;
        } else {
            while (true) {
                args.add(expression());
                skipSpace();
                if (pos >= text.length()) {
                    throw error("unclosed '(' of " + name + " at position " + at);
                }
                char c = text.charAt(pos);
                pos++;
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw error("unexpected " + describe(pos - 1) + " at position " + (pos - 1)
                            + ": expected '+', ',' or ')' in the arguments of " + name);
                }
            }
        }
        depth--;
        if (args.size() != f.arity()) {
            throw error(name + " at position " + at + " takes " + f.arity() + " argument" + (f.arity() == 1 ? "" : "s")
                    + ", not " + args.size());
        }
        return new ValueExpression.Call(f, args);
    }

    private ValueExpression literal() {
        int at = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string starting at position " + at);
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return new ValueExpression.Literal(sb.toString());
            }
            if (c < 0x20 || c == 0x7f) {
                throw error("control character in the string at position " + pos);
            }
            if (c == '\\') {
                if (pos + 1 < text.length() && (text.charAt(pos + 1) == '"' || text.charAt(pos + 1) == '\\')) {
                    sb.append(text.charAt(pos + 1));
                    pos += 2;
                    continue;
                }
                throw error("unknown escape at position " + pos + ": only \\\" and \\\\ are allowed in a string");
            }
            sb.append(c);
            pos++;
        }
    }

    private void skipSpace() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private String describe(int at) {
        char c = text.charAt(at);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("character U+%04X", (int) c);
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9');
    }

    private static IllegalArgumentException error(String message) {
        return new IllegalArgumentException(message);
    }
}
