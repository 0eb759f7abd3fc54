package dev.keyway.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoleArnTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            arn:aws:iam::123456789012:role/AgentRole                  | aws        | 123456789012 | /                | AgentRole
            arn:aws-cn:iam::123456789012:role/AgentRole               | aws-cn     | 123456789012 | /                | AgentRole
            arn:aws-us-gov:iam::123456789012:role/AgentRole           | aws-us-gov | 123456789012 | /                | AgentRole
            arn:aws:iam::123456789012:role/service-role/My+Role=1,a.b@c_d-e | aws  | 123456789012 | /service-role/   | My+Role=1,a.b@c_d-e
            arn:aws:iam::000000000000:role/a/b/c/Deep                 | aws        | 000000000000 | /a/b/c/          | Deep
            arn:aws:iam::123456789012:role/team:x/Role                | aws        | 123456789012 | /team:x/         | Role
            '  arn:aws:iam::123456789012:role/Trimmed  '              | aws        | 123456789012 | /                | Trimmed
            arn:aws:iam::123456789012:role/R234567890123456789012345678901234567890123456789012345678901234 | aws | 123456789012 | / | R234567890123456789012345678901234567890123456789012345678901234
            """)
    void acceptsValidRoleArns(String text, String partition, String account, String path, String name) {
        RoleArn a = RoleArn.parse(text);
        assertThat(a.partition()).isEqualTo(partition);
        assertThat(a.accountId()).isEqualTo(account);
        assertThat(a.path()).isEqualTo(path);
        assertThat(a.roleName()).isEqualTo(name);
        assertThat(a.toString()).isEqualTo(text.strip());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""                                                   | the role ARN is empty
            AgentRole                                            | must start with 'arn:'
            arn:aws:iam::123456789012                            | has 5 colon-separated fields, expected 6
            arn:aws:iam:123456789012:role/R                      | has 5 colon-separated fields
            arn:aws-eu:iam::123456789012:role/R                  | partition 'aws-eu' is not valid; use aws, aws-cn or aws-us-gov
            arn::iam::123456789012:role/R                        | partition '' is not valid
            arn:aws:sts::123456789012:role/R                     | service must be 'iam' in a role ARN, not 'sts'
            arn:aws:sts::123456789012:assumed-role/R/session     | this is an assumed-role session ARN
            arn:aws:s3::123456789012:role/R                      | service must be 'iam'
            arn:aws:iam:us-east-1:123456789012:role/R            | region field of an IAM role ARN must be empty (IAM is global), not 'us-east-1'
            arn:aws:iam:::role/R                                 | the account id is missing
            arn:aws:iam::12345678901:role/R                      | exactly 12 digits, not '12345678901' (11 characters)
            arn:aws:iam::1234567890123:role/R                    | exactly 12 digits, not '1234567890123' (13 characters)
            arn:aws:iam::12345678901a:role/R                     | exactly 12 digits
            arn:aws:iam::123456789012:user/bob                   | a user cannot be assumed
            arn:aws:iam::123456789012:R                          | the resource must be 'role/NAME' or 'role/PATH/NAME', not 'R'
            arn:aws:iam::123456789012:role                       | the resource must be 'role/NAME'
            arn:aws:iam::123456789012:role/                      | the role name is empty
            arn:aws:iam::123456789012:role/path/                 | the role name is empty
            arn:aws:iam::123456789012:role//R                    | empty segment ('//')
            arn:aws:iam::123456789012:role/a b/R                 | the role path contains the character U+0020
            arn:aws:iam::123456789012:role/team/Role:x           | the role name 'Role:x' contains ':', which is not allowed
            arn:aws:iam::123456789012:role/Bad*Name              | contains '*', which is not allowed; use letters, digits and + = , . @ _ -
            arn:aws:iam::123456789012:role/R2345678901234567890123456789012345678901234567890123456789012345 | the role name is 65 characters; the maximum is 64
            """)
    void rejectsWithAPreciseMessage(String text, String message) {
        assertThatThrownBy(() -> RoleArn.parse(text)).isInstanceOfSatisfying(KeywayException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.VALIDATION);
            assertThat(e.extras()).containsEntry("field", "role_arn");
        }).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "path of {0} characters")
    @CsvSource({"510, true", "511, false"})
    void pathIsAtMost512Characters(int inner, boolean ok) {
        String arn = "arn:aws:iam::123456789012:role/" + "p".repeat(inner) + "/R";
        if (ok) {
            assertThat(RoleArn.parse(arn).path()).hasSize(512);
        } else {
            assertThatThrownBy(() -> RoleArn.parse(arn)).hasMessageContaining("the role path is 513 characters; the maximum is 512");
        }
    }
}
