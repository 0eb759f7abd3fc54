package dev.keyway.server.aws;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the AWS shared credentials and config files ({@code ~/.aws/credentials},
 * {@code ~/.aws/config}, or {@code AWS_SHARED_CREDENTIALS_FILE} / {@code AWS_CONFIG_FILE}): INI
 * sections {@code [name]} in the credentials file and {@code [profile name]} / {@code [default]}
 * in the config file, {@code key = value} lines, {@code #} and {@code ;} comments.
 */
final class SharedConfigFiles {
    private SharedConfigFiles() {}

    /** The profile to use: {@code AWS_PROFILE}, else {@code default}. */
    static String profile(AwsEnv env) {
        String p = env.get("AWS_PROFILE");
        return p == null ? "default" : p;
    }

    static Path credentialsFile(AwsEnv env) {
        String f = env.get("AWS_SHARED_CREDENTIALS_FILE");
        return f != null ? Path.of(f) : env.home().resolve(".aws").resolve("credentials");
    }

    static Path configFile(AwsEnv env) {
        String f = env.get("AWS_CONFIG_FILE");
        return f != null ? Path.of(f) : env.home().resolve(".aws").resolve("config");
    }

    /**
     * The profile's settings: the credentials file's section overrides the config file's. Empty
     * when neither file has the profile.
     */
    static Map<String, String> profileSettings(AwsEnv env, String profile) {
        Map<String, String> out = new HashMap<>();
        Map<String, Map<String, String>> config = read(configFile(env));
        Map<String, String> c = config.get(profile.equals("default") ? "default" : "profile " + profile);
        if (c == null && profile.equals("default")) {
            c = config.get("profile default");
        }
        if (c != null) {
            out.putAll(c);
        }
        Map<String, String> cr = read(credentialsFile(env)).get(profile);
        if (cr != null) {
            out.putAll(cr);
        }
        return out;
    }

    /** Sections of an INI file (names trimmed, keys lower-cased); empty when the file does not exist. */
    static Map<String, Map<String, String>> read(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                return Map.of();
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Map.of();
        }
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        @Nullable Map<String, String> current = null;
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                String name = line.substring(1, line.length() - 1).strip().replaceAll("\\s+", " ");
                current = sections.computeIfAbsent(name, k -> new HashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (current != null && eq > 0 && !Character.isWhitespace(raw.charAt(0))) {
                current.put(line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT), line.substring(eq + 1).strip());
            }
        }
        return sections;
    }
}
