package dev.keyway.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.limit.RateLimit;
import dev.keyway.store.LimitRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The {@code limits:} member of a services.yaml entry: parsing (errors name the field) and planning against stored limits. */
class ServiceLimitsTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private static JsonNode entry(String limitsYaml) {
        return YAML.readTree("name: gh\nhost: api.github.com\ninject: { bearer: K }\n" + limitsYaml);
    }

    @Test
    void readsEveryNarrowingAndTheRate() {
        List<ServiceLimits.Declared> l = ServiceLimits.read(entry("""
                limits:
                  - { requests: 100, per: 1m }
                  - { requests: 10, per: 1h, agent: claude, credential: GITHUB_TOKEN }
                  - { requests: 5, per: 1s, token_id: tok_abc }
                """), "services[0]");
        assertThat(l).containsExactly(
                new ServiceLimits.Declared(null, null, null, new RateLimit(100, Duration.ofMinutes(1))),
                new ServiceLimits.Declared("claude", null, "GITHUB_TOKEN", new RateLimit(10, Duration.ofHours(1))),
                new ServiceLimits.Declared(null, "tok_abc", null, new RateLimit(5, Duration.ofSeconds(1))));
        assertThat(ServiceLimits.show(l)).isEqualTo(
                "[100 per 1m; 10 per 1h (agent claude, credential GITHUB_TOKEN); 5 per 1s (token tok_abc)]");
        assertThat(l.get(1).toJson()).containsExactly(java.util.Map.entry("requests", 10L), java.util.Map.entry("per", "1h"),
                java.util.Map.entry("agent", "claude"), java.util.Map.entry("credential", "GITHUB_TOKEN"));
    }

    @Test
    void absentMeansUnmanagedAndEmptyMeansNone() {
        assertThat(ServiceLimits.read(entry(""), "services[0]")).isNull();
        assertThat(ServiceLimits.read(entry("limits: []"), "services[0]")).isEmpty();
        assertThat(ServiceLimits.read(entry("limits:"), "services[0]")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "limits: 5                                                   | services[3].limits",
        "limits: [7]                                                 | services[3].limits[0]",
        "limits: [{ per: 1m }]                                       | services[3].limits[0].requests",
        "limits: [{ requests: ten, per: 1m }]                        | services[3].limits[0].requests",
        "limits: [{ requests: 0, per: 1m }]                          | services[3].limits[0].requests",
        "limits: [{ requests: 1000001, per: 1m }]                    | services[3].limits[0].requests",
        "limits: [{ requests: 5 }]                                   | services[3].limits[0].per",
        "limits: [{ requests: 5, per: 500ms }]                       | services[3].limits[0].per",
        "limits: [{ requests: 5, per: 40d }]                         | services[3].limits[0].per",
        "limits: [{ requests: 5, per: soon }]                        | services[3].limits[0].per",
        "limits: [{ requests: 5, per: 1m, service: other }]          | services[3].limits[0].service",
        "limits: [{ requests: 5, per: 1m, agent: a, token_id: t }]   | services[3].limits[0].agent",
        "limits: [{ requests: 5, per: 1m, agent: 'Not An Agent' }]   | services[3].limits[0].agent",
        "limits: [{ requests: 5, per: 1m, agent: '' }]               | services[3].limits[0].agent",
        "limits: [{ requests: 5, per: 1m, credential: lower }]       | services[3].limits[0].credential",
        "limits: [{ requests: 5, per: 1m }, { requests: 9, per: 1h }] | services[3].limits[1]",
    })
    void badLimitsNameTheirField(String yaml, String field) {
        assertThatThrownBy(() -> ServiceLimits.read(entry(yaml), "services[3]"))
                .isInstanceOfSatisfying(KeywayException.class, e -> {
                    assertThat(e.extras().get("field")).isEqualTo(field);
                    assertThat(e.detail()).startsWith(field + ":");
                });
    }

    @Test
    void tooManyLimitsAreRefused() {
        StringBuilder sb = new StringBuilder("limits:\n");
        for (int i = 0; i <= ServiceLimits.MAX_PER_SERVICE; i++) {
            sb.append("  - { requests: 5, per: 1m, credential: K").append(i).append(" }\n");
        }
        assertThatThrownBy(() -> ServiceLimits.read(entry(sb.toString()), "services[0]"))
                .isInstanceOf(KeywayException.class).hasMessageContaining("at most");
    }

    private static LimitRecord stored(String id, String agentId, long requests, Duration per) {
        return new LimitRecord(id, "v1", "gh", agentId, null, null, new RateLimit(requests, per), Instant.EPOCH, "x");
    }

    private static String scope(ServiceLimits.Declared d) {
        return new LimitRecord("", "v1", "gh", d.agent() == null ? null : "agt_" + d.agent(), d.tokenId(), d.credential(),
                d.rate(), Instant.EPOCH, "x").scopeKey();
    }

    @Test
    void planMatchesByScopeAndOnlyTouchesWhatDiffers() {
        LimitRecord all = stored("lim_1", null, 100, Duration.ofMinutes(1));
        LimitRecord claude = stored("lim_2", "agt_claude", 10, Duration.ofHours(1));
        LimitRecord bob = stored("lim_3", "agt_bob", 1, Duration.ofHours(1));
        ServiceLimits.Declared same = new ServiceLimits.Declared(null, null, null, new RateLimit(100, Duration.ofMinutes(1)));
        ServiceLimits.Declared faster = new ServiceLimits.Declared("claude", null, null, new RateLimit(20, Duration.ofHours(1)));
        ServiceLimits.Declared fresh = new ServiceLimits.Declared("eve", null, null, new RateLimit(3, Duration.ofDays(1)));

        ServiceLimits.Plan p = ServiceLimits.plan(List.of(all, claude, bob), List.of(same, faster, fresh), ServiceLimitsTest::scope);
        assertThat(p.added()).containsExactly(fresh);
        assertThat(p.changed()).containsExactly(new ServiceLimits.Changed(claude, faster));
        assertThat(p.removed()).containsExactly(bob);

        assertThat(ServiceLimits.plan(List.of(all), List.of(same), ServiceLimitsTest::scope).isEmpty()).isTrue();
        assertThat(ServiceLimits.plan(List.of(all, bob), List.of(), ServiceLimitsTest::scope).removed()).containsExactly(all, bob);
    }
}
