package dev.keyway.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.server.http.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ServiceDocumentsTest {
    static JsonNode yaml(String json) {
        return Json.MAPPER.readTree(json);
    }

    @Test
    void aTemplateEntryIsTheTemplateWithItsOverrides() {
        ServiceDefinition d = ServiceDocuments.definition(yaml("{\"template\":\"github\",\"name\":\"gh\",\"credential\":\"GH_WORK\","
                + "\"methods\":[\"GET\"]}"), "services[0]");
        ServiceDefinition t = ServiceCatalog.instantiate("github", "gh", Map.of("GITHUB_TOKEN", "GH_WORK"));
        assertThat(d.name()).isEqualTo("gh");
        assertThat(d.host()).isEqualTo(t.host());
        assertThat(d.injection()).isEqualTo(t.injection());
        assertThat(d.methods()).containsExactly("GET");
        assertThat(ServiceDocuments.definition(yaml("{\"template\":\"anthropic\"}"), "s").name()).isEqualTo("anthropic");
    }

    @Test
    void listMetadataIsIgnoredAndEverythingElseIsStrict() {
        ServiceDefinition d = ServiceDocuments.definition(yaml("{\"name\":\"x\",\"host\":\"x.example.com\",\"inject\":\"none\","
                + "\"updated_at\":\"2026-01-01T00:00:00Z\",\"updated_by\":\"local-admin\"}"), "services[0]");
        assertThat(d.name()).isEqualTo("x");
        assertThatThrownBy(() -> ServiceDocuments.definition(yaml("{\"name\":\"x\",\"host\":\"x.example.com\",\"inject\":\"none\","
                + "\"colour\":\"red\"}"), "services[0]")).isInstanceOf(KeywayException.class).hasMessageContaining("colour");
        assertThatThrownBy(() -> ServiceDocuments.definition(yaml("{\"template\":\"antrhopic\"}"), "services[3]"))
                .isInstanceOf(KeywayException.class).hasMessageContaining("services[3]: no template named 'antrhopic'")
                .hasMessageContaining("did you mean anthropic?");
        assertThatThrownBy(() -> ServiceDocuments.definition(yaml("{\"template\":\"github\",\"credential\":\"NOPE NOPE\"}"), "s"))
                .isInstanceOf(KeywayException.class);
        assertThatThrownBy(() -> ServiceDocuments.definition(yaml("[1]"), "services[1]"))
                .isInstanceOf(KeywayException.class).hasMessageContaining("services[1] must be a service definition");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"methods\":[\"GET\"]}                      | methods [GET] → [GET, POST]",
        "{\"paths\":[\"/v1/**\"]}                     | methods [] → [GET, POST]; paths [/v1/**] → []",
        "{\"methods\":[\"GET\",\"POST\"],\"enabled\":false} | enabled false → true",
        "{\"methods\":[\"GET\",\"POST\"],\"description\":\"old\"} | description old → (none)",
        "{\"methods\":[\"GET\",\"POST\"],\"inject\":{\"bearer\":\"OLD\"}} | inject {\"bearer\":\"OLD\"} → {\"bearer\":\"OPENAI_API_KEY\"}",
    })
    void diffNamesEachChangedField(String beforeOverrides, String expected) {
        ServiceDefinition after = ServiceDocuments.definition(yaml("{\"name\":\"openai\",\"host\":\"api.openai.com\","
                + "\"methods\":[\"GET\",\"POST\"],\"inject\":{\"bearer\":\"OPENAI_API_KEY\"}}"), "a");
        var b = (tools.jackson.databind.node.ObjectNode) yaml("{\"name\":\"openai\",\"host\":\"api.openai.com\","
                + "\"inject\":{\"bearer\":\"OPENAI_API_KEY\"}}");
        b.setAll((tools.jackson.databind.node.ObjectNode) yaml(beforeOverrides));
        ServiceDefinition before = ServiceDocuments.definition(b, "b");
        List<String> parts = ServiceDocuments.diff(before, after).stream()
                .map(c -> c.field() + " " + c.before() + " → " + c.after()).toList();
        assertThat(String.join("; ", parts)).isEqualTo(expected);
        assertThat(ServiceDocuments.diff(after, after)).isEmpty();
    }
}
