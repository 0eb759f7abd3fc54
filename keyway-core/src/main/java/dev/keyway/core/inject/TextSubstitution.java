package dev.keyway.core.inject;

import java.util.List;
import java.util.Objects;

/**
 * Placeholder replacement for complete client-to-server WebSocket text messages (the proxy
 * reassembles fragmented messages, or skips rewriting them). Stateless and thread-safe; the method
 * shape matches the proxy SPI's text rewriter.
 */
public final class TextSubstitution {

    /**
     * One placeholder and its replacement. {@code toString()} shows lengths only.
     *
     * @param placeholder the text to find (non-empty)
     * @param value the replacement
     */
    public record Rule(String placeholder, String value) {
        public Rule {
            Objects.requireNonNull(placeholder, "placeholder");
            Objects.requireNonNull(value, "value");
            if (placeholder.isEmpty()) {
                throw new IllegalArgumentException("empty placeholder");
            }
        }

        @Override
        public String toString() {
            return "Rule[placeholder " + placeholder.length() + " chars, value " + value.length() + " chars]";
        }
    }

    private final List<Rule> rules;

    /** @param rules placeholders to replace; none may contain another */
    public TextSubstitution(List<Rule> rules) {
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no rules");
        }
        for (Rule a : rules) {
            for (Rule b : rules) {
                if (a != b && a.placeholder().contains(b.placeholder())) {
                    throw new IllegalArgumentException("one placeholder contains another");
                }
            }
        }
        this.rules = List.copyOf(rules);
    }

    /** Returns the message with every placeholder replaced, in one left-to-right pass. */
    public String rewrite(String message) {
        StringBuilder out = null;
        int emitFrom = 0;
        int i = 0;
        int n = message.length();
        while (i < n) {
            Rule hit = null;
            for (Rule r : rules) {
                if (message.startsWith(r.placeholder(), i)) {
                    hit = r;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder(n + hit.value().length());
            }
            out.append(message, emitFrom, i).append(hit.value());
            i += hit.placeholder().length();
            emitFrom = i;
        }
        if (out == null) {
            return message;
        }
        return out.append(message, emitFrom, n).toString();
    }

    @Override
    public String toString() {
        return "TextSubstitution[" + rules.size() + " placeholders]";
    }
}
