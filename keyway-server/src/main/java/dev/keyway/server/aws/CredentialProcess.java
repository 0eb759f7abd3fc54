package dev.keyway.server.aws;

import dev.keyway.core.aws.AwsCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A shared-config profile's {@code credential_process}: the command a developer configured to hand
 * out AWS keys (a password manager, {@code aws-vault}, a company SSO helper), run the way the AWS
 * CLI runs it so the same profile works for Keyway.
 *
 * <ul>
 *   <li>The command line is split like a POSIX shell word list (the AWS CLI's {@code shlex.split}):
 *       whitespace separates words, {@code "..."} and {@code '...'} group, a backslash escapes the
 *       next character ({@code \"} and {@code \\} inside double quotes). No shell runs it, so no
 *       globbing, variables or pipes.
 *   <li>It gets the environment Keyway was configured with ({@link AwsEnv#env()}), no stdin, and a
 *       timeout (30 s by default) after which it and its children are killed.
 *   <li>Its stdout must be the Version 1 JSON ({@code Version}, {@code AccessKeyId},
 *       {@code SecretAccessKey}, optional {@code SessionToken} and {@code Expiration}).
 * </ul>
 * Its output and stderr are never logged or quoted in a message (they hold keys, or may); failures
 * name the profile, the program and what was wrong.
 */
final class CredentialProcess {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_OUTPUT = 64 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private CredentialProcess() {}

    /**
     * Runs {@code commandLine} for {@code profile} and returns the keys it printed.
     *
     * @throws AwsFailure ({@link AwsFailure.Kind#NO_HOST_CREDENTIALS}) when it cannot be started,
     *     times out, exits non-zero or prints something that is not usable credentials
     */
    static AwsCredentials run(String profile, String commandLine, Map<String, String> environment, Duration timeout, Instant now) {
        List<String> command = split(profile, commandLine);
        String program = command.getFirst().substring(command.getFirst().lastIndexOf('/') + 1);
        String what = "the credential_process '" + program + "' of profile '" + profile + "'";
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException | RuntimeException e) {
            throw fail("cannot start " + what + " (" + e.getClass().getSimpleName() + "; is it installed, on the PATH and "
                    + "executable?)");
        }
        byte[] out = null;
        try {
            closeQuietly(p.getOutputStream());
            CompletableFuture<byte[]> reader = new CompletableFuture<>();
            Thread.ofVirtual().name("credential-process-" + p.pid()).start(() -> read(p.getInputStream(), reader));
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw fail(what + " did not finish within " + seconds(timeout) + " and was stopped");
            }
            if (p.exitValue() != 0) {
                throw fail(what + " exited with status " + p.exitValue() + " (its output is not shown: it may contain keys)");
            }
            try {
                out = reader.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw fail(what + " exited but its output stayed open (a background child?) for " + seconds(timeout));
            } catch (ExecutionException e) {
                throw fail("cannot read the output of " + what);
            }
            if (out.length > MAX_OUTPUT) {
                throw fail(what + " printed more than " + MAX_OUTPUT / 1024 + " KiB");
            }
            return parse(what, out, now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted while waiting for " + what);
        } finally {
            if (out != null) {
                Arrays.fill(out, (byte) 0);
            }
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            closeQuietly(p.getInputStream());
        }
    }

    /** Reads up to {@link #MAX_OUTPUT} + 1 bytes, then drains the rest so the process never blocks on a full pipe. */
    private static void read(InputStream in, CompletableFuture<byte[]> result) {
        try {
            byte[] b = in.readNBytes(MAX_OUTPUT + 1);
            in.transferTo(OutputStream.nullOutputStream());
            result.complete(b);
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    /**
     * The Version 1 JSON a credential process prints. {@code what} names the process in messages;
     * no message quotes the output.
     */
    static AwsCredentials parse(String what, byte[] stdout, Instant now) {
        JsonNode n;
        try {
            n = JSON.readTree(stdout);
        } catch (RuntimeException e) {
            throw fail(what + " did not print JSON");
        }
        if (n == null || !n.isObject()) {
            throw fail(what + " did not print a JSON object");
        }
        JsonNode version = n.get("Version");
        if (version == null || !version.isIntegralNumber() || version.asLong() != 1) {
            throw fail(what + " printed JSON without \"Version\": 1 (the only version AWS defines)");
        }
        String id = string(n, "AccessKeyId");
        String secret = string(n, "SecretAccessKey");
        if (id == null || secret == null) {
            throw fail(what + " printed JSON without " + (id == null ? "AccessKeyId" : "SecretAccessKey"));
        }
        String expiration = string(n, "Expiration");
        Instant exp = null;
        if (expiration != null) {
            try {
                exp = OffsetDateTime.parse(expiration).toInstant();
            } catch (DateTimeParseException e) {
                throw fail(what + " printed an Expiration that is not an ISO 8601 time with an offset (e.g. "
                        + "2026-01-01T12:00:00Z)");
            }
            if (!exp.isAfter(now)) {
                throw fail(what + " printed credentials that expired at " + exp);
            }
        }
        return new AwsCredentials(id, secret, string(n, "SessionToken"), exp);
    }

    private static @Nullable String string(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isString() || v.asString().isBlank()) {
            return null;
        }
        return v.asString().strip();
    }

    /**
     * Splits a command line into words the way the AWS CLI does on Linux and macOS (POSIX
     * {@code shlex.split}). Throws when a quote is not closed or the line is empty.
     */
    static List<String> split(String profile, String commandLine) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < commandLine.length(); i++) {
            char c = commandLine.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < commandLine.length() && (commandLine.charAt(i + 1) == '"'
                        || commandLine.charAt(i + 1) == '\\')) {
                    word.append(commandLine.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                inWord = true;
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '\\') {
                    if (i + 1 == commandLine.length()) {
                        throw fail("the credential_process of profile '" + profile + "' ends with a lone backslash");
                    }
                    word.append(commandLine.charAt(++i));
                } else {
                    word.append(c);
                }
            }
        }
        if (quote != 0) {
            throw fail("the credential_process of profile '" + profile + "' has an unclosed " + (quote == '"' ? "double" : "single")
                    + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty() || words.getFirst().isEmpty()) {
            throw fail("the credential_process of profile '" + profile + "' is empty");
        }
        return words;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do: the stream is gone either way
        }
    }

    private static AwsFailure fail(String message) {
        return new AwsFailure(AwsFailure.Kind.NO_HOST_CREDENTIALS, null, message);
    }
}
