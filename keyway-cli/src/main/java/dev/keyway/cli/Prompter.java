package dev.keyway.cli;

import java.io.Console;
import org.jspecify.annotations.Nullable;

/**
 * Where interactive commands read answers and hidden secrets from: the terminal in real use, a
 * script in tests. Both return null at end of input.
 */
interface Prompter {
    @Nullable String line(String prompt);

    char @Nullable [] secret(String prompt);

    static Prompter of(Console console) {
        return new Prompter() {
            @Override
            public @Nullable String line(String prompt) {
                return console.readLine("%s", prompt);
            }

            @Override
            public char @Nullable [] secret(String prompt) {
                return console.readPassword("%s", prompt);
            }
        };
    }
}
