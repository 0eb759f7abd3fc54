package dev.keyway.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.service.PlaceholderFormat;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceTemplate;
import dev.keyway.server.TestServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code /v1/discover} (and so {@code keyway run}, which exports its {@code env}) hands an
 * agent for every catalog template: the template's shaped placeholder under the SDK's variable —
 * also when the template was used with a renamed credential ({@code --credential GH_WORK}), which
 * used to fall back to {@code keyway-placeholder-gh-work} and fail the SDK's format check. The
 * formats themselves are checked against each vendor's documented key format in
 * {@code ServiceCatalogTest.everyPlaceholderHasTheDocumentedKeyFormat}.
 */
class DiscoverCatalogTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void everyTemplateHandsOutItsShapedPlaceholderEvenWithARenamedCredential(@TempDir Path dir) throws Exception {
        try (TestServer ts = TestServer.start(dir)) {
            ok(ts.call("POST", "/v1/vaults", "{\"name\":\"renamed\"}"));
            for (ServiceTemplate t : ServiceCatalog.all()) {
                String host = t.perTenant() ? ",\"host\":\"tenant-a" + t.hostSuffix() + "\"" : "";
                ok(ts.call("POST", "/v1/vaults/default/services/from-template",
                        "{\"template\":\"" + t.name() + "\",\"name\":\"" + t.name() + "\"" + host + "}"));
                if (t.credentialNames().size() == 1) {
                    ok(ts.call("POST", "/v1/vaults/renamed/services/from-template", "{\"template\":\"" + t.name()
                            + "\",\"name\":\"" + t.name() + "\",\"credential\":\"WORK_" + t.credentialNames().iterator().next()
                            + "\"" + host + "}"));
                }
            }
            check(ts, "default", ts.adminToken, false);
            String renamedToken = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"renamed\",\"ttl\":\"1h\"}")))
                    .get("token").asString();
            check(ts, "renamed", renamedToken, true);
        }
    }

    private static void check(TestServer ts, String vault, String token, boolean renamed) throws Exception {
        JsonNode discovered = JSON.readTree(ok(ts.call("GET", "/v1/discover", null, token)));
        assertThat(discovered.get("vault").asString()).isEqualTo(vault);
        JsonNode services = discovered.get("services");
        Map<String, JsonNode> byName = new HashMap<>();
        services.forEach(s -> byName.put(s.get("name").asString(), s));
        int checked = 0;
        for (ServiceTemplate t : ServiceCatalog.all()) {
            if (renamed && t.credentialNames().size() != 1) {
                continue;
            }
            JsonNode s = byName.get(t.name());
            assertThat(s).as("service %s in vault %s", t.name(), vault).isNotNull();
            List<String> values = s.get("env").findValuesAsString("value");
            for (PlaceholderFormat p : t.placeholders()) {
                assertThat(values).as("%s placeholder of %s in vault %s", p.credential(), t.name(), vault).contains(p.value());
                checked++;
            }
            assertThat(s.get("env").findValuesAsString("name")).as("the SDK's variables of %s", t.name())
                    .containsAll(t.placeholders().stream().map(PlaceholderFormat::envVar).toList());
        }
        assertThat(checked).isGreaterThanOrEqualTo(renamed ? 50 : 60);
    }

    private static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }
}
