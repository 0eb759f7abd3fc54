package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway limit set|list|remove} against a real server. */
class LimitCommandTest {
    @TempDir
    Path tmp;

    @Test
    void setListReplaceRemove() throws Exception {
        try (CliServer cs = new CliServer(tmp.resolve("data"))) {
            CliServer.Result set = cs.admin("limit set", "--vault", "default", "--requests", "100", "--per", "1m");
            assertThat(set.exit()).as(set.err()).isZero();
            Matcher m = Pattern.compile("Limit (lim_[a-z0-9]+) on vault default: 100 requests per 1m for the whole vault").matcher(set.out());
            assertThat(m.find()).as(set.out()).isTrue();
            String id = m.group(1);

            // the same scope again replaces the rate and keeps the id
            CliServer.Result again = cs.admin("limit set", "--vault", "default", "--requests", "10", "--per", "1s");
            assertThat(again.out()).contains(id).contains("10 requests per 1s");

            CliServer.Result list = cs.admin("limit list");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("ID").contains("REQUESTS").contains(id).contains("default").contains("1s");
            JsonNode json = ApiClient.JSON.readTree(cs.admin("limit list", "--json").out());
            assertThat(json).hasSize(1);
            assertThat(json.get(0).get("requests").asLong()).isEqualTo(10);
            assertThat(json.get(0).get("per_seconds").asLong()).isEqualTo(1);

            CliServer.Result both = cs.admin("limit set", "--agent", "a", "--token-id", "t", "--requests", "1", "--per", "1s");
            assertThat(both.exit()).isEqualTo(ExitCodes.USAGE);
            CliServer.Result badPer = cs.admin("limit set", "--requests", "1", "--per", "forever");
            assertThat(badPer.exit()).isNotZero();
            assertThat(badPer.err()).contains("per");
            assertThat(cs.admin("limit set", "--service", "nope", "--requests", "1", "--per", "1s").exit()).isEqualTo(ExitCodes.NOT_FOUND);

            assertThat(cs.admin("limit remove", id).out()).contains("Removed limit " + id);
            assertThat(cs.admin("limit remove", id).exit()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(cs.admin("limit list").out()).contains("(none)");
        }
    }
}
