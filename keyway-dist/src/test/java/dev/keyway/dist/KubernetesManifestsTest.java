package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * contrib/kubernetes holds what issue 11 promises: a Deployment of at least two replicas with
 * readiness on /ready and liveness on /health, non-root, read-only root filesystem, resource
 * requests, the master password (and database URL) from a Secret; TCP Service for the proxy, a
 * Service for the API, a PodDisruptionBudget covering the pods. Parsed as YAML, not grepped.
 */
class KubernetesManifestsTest {
    static final List<JsonNode> docs = new ArrayList<>();

    @BeforeAll
    static void parse() throws Exception {
        Path dir = Path.of("..", "contrib", "kubernetes");
        assertThat(dir).isDirectory();
        YAMLMapper yaml = YAMLMapper.builder().build();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (it.hasNextValue()) {
                        JsonNode d = it.nextValue();
                        if (d != null && !d.isNull() && !d.isEmpty()) {
                            docs.add(d);
                        }
                    }
                }
            }
        }
    }

    static List<JsonNode> kind(String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asString())).toList();
    }

    static JsonNode deployment() {
        assertThat(kind("Deployment")).hasSize(1);
        return kind("Deployment").getFirst();
    }

    static JsonNode container() {
        JsonNode cs = deployment().path("spec").path("template").path("spec").path("containers");
        assertThat(cs.size()).isEqualTo(1);
        return cs.get(0);
    }

    @Test
    void deploymentRunsAtLeastTwoReplicasProbedOnReadyAndHealth() {
        assertThat(deployment().path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode c = container();
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo("/ready");
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asString()).isEqualTo("/health");
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asString()));
        assertThat(args).startsWith("server").contains("--api-addr=0.0.0.0:9790", "--proxy-addr=0.0.0.0:9791");
        assertThat(args).anyMatch(a -> a.startsWith("--node-name="));
    }

    @Test
    void podIsNonRootWithAReadOnlyRootFilesystemAndResourceRequests() {
        JsonNode pod = deployment().path("spec").path("template").path("spec");
        JsonNode c = container();
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
        assertThat(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(c.path("resources").path("requests").path("cpu").asString()).isNotEmpty();
        assertThat(c.path("resources").path("requests").path("memory").asString()).isNotEmpty();
        // the writable paths are volumes: the data dir and /tmp
        List<String> mounts = new ArrayList<>();
        c.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asString()));
        assertThat(mounts).contains("/tmp").anyMatch(m -> c.path("args").toString().contains("--data-dir=" + m));
    }

    @Test
    void masterPasswordAndDatabaseUrlComeFromASecret() {
        JsonNode env = container().path("env");
        for (String name : List.of("KEYWAY_MASTER_PASSWORD", "KEYWAY_DATABASE_URL")) {
            JsonNode e = null;
            for (JsonNode x : env) {
                if (name.equals(x.path("name").asString())) {
                    e = x;
                }
            }
            assertThat(e).as(name).isNotNull();
            assertThat(e.has("value")).as(name + " must not be inline").isFalse();
            assertThat(e.path("valueFrom").path("secretKeyRef").path("name").asString()).as(name).isNotEmpty();
        }
    }

    @Test
    void servicesExposeTheProxyAsTcpAndTheApi() {
        List<JsonNode> services = kind("Service");
        assertThat(services).hasSizeGreaterThanOrEqualTo(2);
        JsonNode labels = deployment().path("spec").path("template").path("metadata").path("labels");
        boolean proxy = false;
        boolean api = false;
        for (JsonNode s : services) {
            s.path("spec").path("selector").properties().forEach(e ->
                    assertThat(labels.path(e.getKey()).asString()).as("selector matches the pods").isEqualTo(e.getValue().asString()));
            for (JsonNode p : s.path("spec").path("ports")) {
                proxy |= p.path("port").asInt() == 9791 && "TCP".equals(p.path("protocol").asString("TCP"));
                api |= p.path("port").asInt() == 9790;
            }
        }
        assertThat(proxy).as("a TCP Service on the proxy port").isTrue();
        assertThat(api).as("a Service on the API port").isTrue();
    }

    @Test
    void disruptionBudgetCoversThePods() {
        List<JsonNode> pdbs = kind("PodDisruptionBudget");
        assertThat(pdbs).hasSize(1);
        JsonNode spec = pdbs.getFirst().path("spec");
        assertThat(spec.has("minAvailable") || spec.has("maxUnavailable")).isTrue();
        if (spec.has("minAvailable")) {
            assertThat(spec.path("minAvailable").asInt()).isGreaterThanOrEqualTo(1)
                    .isLessThan(deployment().path("spec").path("replicas").asInt());
        }
        JsonNode labels = deployment().path("spec").path("template").path("metadata").path("labels");
        spec.path("selector").path("matchLabels").properties().forEach(e ->
                assertThat(labels.path(e.getKey()).asString()).isEqualTo(e.getValue().asString()));
    }
}
