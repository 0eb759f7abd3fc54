package dev.keyway.core.aws;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import java.util.Set;

/**
 * The IAM role an AWS grant assumes, validated strictly when the grant is made so a typo is a
 * precise message at grant time instead of an opaque STS error at the first request.
 *
 * <p>Accepted form: {@code arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME} where
 * <ul>
 *   <li>PARTITION is {@code aws}, {@code aws-cn} or {@code aws-us-gov};
 *   <li>the service is {@code iam} and the region field is empty (IAM is global);
 *   <li>ACCOUNT is exactly 12 digits;
 *   <li>PATH (optional) is one or more non-empty segments of printable ASCII ({@code !} to
 *       {@code ~}, so it may contain colons), at most 512 characters including its slashes;
 *   <li>NAME is 1 to 64 characters of {@code [A-Za-z0-9+=,.@_-]}.
 * </ul>
 * The ARN is split into its six fields at the first five colons only, so colons inside the
 * resource stay in the resource (and are then rejected in the name, accepted in the path).
 *
 * @param partition {@code aws}, {@code aws-cn} or {@code aws-us-gov}
 * @param accountId the 12-digit account id
 * @param path the role path, {@code /} when absent, else {@code /seg/.../}
 * @param roleName the role's name
 */
public record RoleArn(String partition, String accountId, String path, String roleName) {
    /** Partitions a role can live in. */
    public static final Set<String> PARTITIONS = Set.of("aws", "aws-cn", "aws-us-gov");

    private static final int MAX_NAME = 64;
    private static final int MAX_PATH = 512;
    private static final String EXAMPLE = "arn:aws:iam::123456789012:role/NAME";
    private static final String FIELD = "role_arn";

    /** Parses and validates; every failure is a {@code validation} error naming what is wrong. */
    public static RoleArn parse(@org.jspecify.annotations.Nullable String text) {
        if (text == null || text.isBlank()) {
            throw invalid("the role ARN is empty; expected " + EXAMPLE);
        }
        String arn = text.strip();
        if (!arn.startsWith("arn:")) {
            throw invalid("'" + Names.printable(arn) + "' is not an ARN: it must start with 'arn:' (e.g. " + EXAMPLE + ")");
        }
        String[] f = arn.split(":", 6);
        if (f.length < 6) {
            throw invalid("the role ARN has " + f.length + " colon-separated fields, expected 6: " + EXAMPLE);
        }
        String partition = f[1];
        String service = f[2];
        String region = f[3];
        String account = f[4];
        String resource = f[5];
        if (!PARTITIONS.contains(partition)) {
            throw invalid("partition '" + Names.printable(partition) + "' is not valid; use aws, aws-cn or aws-us-gov");
        }
        if (!service.equals("iam")) {
            String hint = service.equals("sts") && resource.startsWith("assumed-role/")
                    ? " (this is an assumed-role session ARN; use the role's own ARN arn:" + partition + ":iam::ACCOUNT:role/NAME)"
                    : "";
            throw invalid("service must be 'iam' in a role ARN, not '" + Names.printable(service) + "'" + hint);
        }
        if (!region.isEmpty()) {
            throw invalid("the region field of an IAM role ARN must be empty (IAM is global), not '" + Names.printable(region)
                    + "'; write arn:" + partition + ":iam::ACCOUNT:role/NAME");
        }
        if (account.isEmpty()) {
            throw invalid("the account id is missing; it is the 12-digit number after 'iam::'");
        }
        if (account.length() != 12 || !account.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid("the account id must be exactly 12 digits, not '" + Names.printable(account) + "' ("
                    + account.length() + " characters)");
        }
        if (!resource.startsWith("role/")) {
            throw invalid("the resource must be 'role/NAME' or 'role/PATH/NAME', not '" + Names.printable(resource) + "'"
                    + (resource.startsWith("user/") ? " (a user cannot be assumed; give a role)" : ""));
        }
        String rest = resource.substring("role".length()); // "/[PATH/]NAME"
        int last = rest.lastIndexOf('/');
        String path = rest.substring(0, last + 1);
        String name = rest.substring(last + 1);
        validatePath(path);
        validateName(name);
        return new RoleArn(partition, account, path, name);
    }

    private static void validatePath(String path) {
        if (path.length() > MAX_PATH) {
            throw invalid("the role path is " + path.length() + " characters; the maximum is " + MAX_PATH);
        }
        if (path.length() > 1 && path.contains("//")) {
            throw invalid("the role path '" + Names.printable(path) + "' has an empty segment ('//')");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw invalid("the role path contains " + describe(c) + "; only printable ASCII without spaces is allowed");
            }
        }
    }

    private static void validateName(String name) {
        if (name.isEmpty()) {
            throw invalid("the role name is empty; the ARN must end with role/NAME or role/PATH/NAME");
        }
        if (name.length() > MAX_NAME) {
            throw invalid("the role name is " + name.length() + " characters; the maximum is " + MAX_NAME);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isNameChar(c)) {
                throw invalid("the role name '" + Names.printable(name) + "' contains " + describe(c)
                        + ", which is not allowed; use letters, digits and + = , . @ _ -");
            }
        }
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "+=,.@_-".indexOf(c) >= 0;
    }

    private static String describe(char c) {
        return c < 0x21 || c > 0x7e ? String.format("the character U+%04X", (int) c) : "'" + c + "'";
    }

    private static KeywayException invalid(String detail) {
        return KeywayException.validation(FIELD, detail);
    }

    /** The ARN text (whitespace around the input removed). */
    @Override
    public String toString() {
        return "arn:" + partition + ":iam::" + accountId + ":role" + path + roleName;
    }
}
