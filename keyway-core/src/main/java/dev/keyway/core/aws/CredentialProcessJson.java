package dev.keyway.core.aws;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The output an AWS SDK expects from a {@code credential_process} helper:
 * {@code {"Version":1,"AccessKeyId":…,"SecretAccessKey":…,"SessionToken":…,"Expiration":"…Z"}}.
 * The SDK re-runs the helper before {@code Expiration}, which is how a long-running agent keeps
 * working across session expiries without ever holding long-term keys.
 */
public final class CredentialProcessJson {
    private CredentialProcessJson() {}

    /** Renders {@code c}; {@code SessionToken} and {@code Expiration} are omitted when absent. */
    public static String render(AwsCredentials c) {
        StringBuilder sb = new StringBuilder(1024).append("{\"Version\":1");
        field(sb, "AccessKeyId", c.accessKeyId());
        field(sb, "SecretAccessKey", c.secretAccessKey());
        if (c.sessionToken() != null) {
            field(sb, "SessionToken", c.sessionToken());
        }
        if (c.expiration() != null) {
            field(sb, "Expiration", DateTimeFormatter.ISO_INSTANT.format(c.expiration().truncatedTo(ChronoUnit.SECONDS)));
        }
        return sb.append('}').toString();
    }

    private static void field(StringBuilder sb, String name, String value) {
        sb.append(",\"").append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('"');
    }
}
