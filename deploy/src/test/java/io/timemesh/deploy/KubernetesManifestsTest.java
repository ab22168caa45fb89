package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.timemesh.core.settings.Layer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes as an operator applies it. Every object is read into fabric8's model classes (generated
 * from the Kubernetes OpenAPI schema): a field of the wrong type fails to read, and one the schema does not
 * have (which the model would keep aside in "additional properties") is refused here. Then what the
 * objects must say to each other and to the node holds: probes on /health, heap with the memory limit,
 * non-root and read-only with only NET_BIND_SERVICE, named ports that exist, selectors that match.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("kubernetes");
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Service", Service.class, "StatefulSet", StatefulSet.class, "PodDisruptionBudget", PodDisruptionBudget.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyObjectMatchesTheKubernetesSchemaWithNoUnknownField() throws Exception {
        List<HasMetadata> objects = objects();
        assertThat(objects).extracting(HasMetadata::getKind)
                .containsExactlyInAnyOrder("Service", "Service", "Service", "PodDisruptionBudget", "StatefulSet");
        // The check bites, at the top and deep inside.
        ObjectNode typo = statefulSetJson().put("spek", "typo");
        ((ObjectNode) typo.at("/spec/template/spec/containers/0")).put("readinesProbe", "typo");
        assertThat(unknownFields(typo)).containsExactlyInAnyOrder("$.spek", "$.spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void probesAreOnHealthAndTheImageCarriesTheNode() throws Exception {
        Container node = container();
        assertThat(node.getImage()).startsWith("timemesh:");
        assertThat(node.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(node.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        assertThat(node.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        for (IntOrString port : List.of(node.getReadinessProbe().getHttpGet().getPort(),
                node.getLivenessProbe().getHttpGet().getPort(), node.getStartupProbe().getHttpGet().getPort())) {
            assertThat(port(node, port.getStrVal())).map(ContainerPort::getContainerPort).contains(8123);
        }
        assertThat(podSpec().getVolumes()).allSatisfy(v -> assertThat(v.getPersistentVolumeClaim()).isNull());
        assertThat(node.getArgs()).startsWith("run").contains("--hazelcast-config", "--node-name", "$(POD_NAME)");
    }

    @Test
    void theHeapFollowsTheMemoryLimit() throws Exception {
        Container node = container();
        Quantity limit = node.getResources().getLimits().get("memory");
        assertThat(limit).as("memory limit").isNotNull();
        assertThat(node.getResources().getRequests().get("memory")).isEqualTo(limit);
        String javaOpts = env(node, "JAVA_OPTS").orElseThrow().getValue();
        Matcher percentage = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(\\.\\d+)?)").matcher(javaOpts);
        assertThat(percentage.find()).as("JAVA_OPTS sizes the heap from the limit: " + javaOpts).isTrue();
        assertThat(Double.parseDouble(percentage.group(1))).isBetween(25.0, 75.0); // room for metaspace, stacks, direct buffers
        assertThat(javaOpts).doesNotContain("-Xmx"); // would override the percentage and drift from the limit
        // deploy/jvm.options otherwise, and its heap cap is what the percentage gives
        List<String> file = JvmOptionsFile.options();
        assertThat(javaOpts).isEqualTo(String.join(" ", file).replaceFirst("-Xmx\\S+", percentage.group()));
        long cap = Long.parseLong(file.stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElseThrow()
                .replaceAll("\\D", "")) << 20;
        assertThat(Quantity.getAmountInBytes(limit).longValue() * Double.parseDouble(percentage.group(1)) / 100)
                .isEqualTo((double) cap);
    }

    @Test
    void nonRootReadOnlyAndOnlyNetBindService() throws Exception {
        PodSpec pod = podSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        Container node = container();
        var security = node.getSecurityContext();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).containsExactly("NET_BIND_SERVICE");
        // A read-only root leaves the JVM and Netty a writable /tmp only if one is mounted.
        assertThat(node.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        for (VolumeMount mount : node.getVolumeMounts()) {
            assertThat(pod.getVolumes()).extracting(Volume::getName).contains(mount.getName());
        }
    }

    @Test
    void spreadAcrossNodesAndDrainedOneAtATime() throws Exception {
        PodSpec pod = podSpec();
        Map<String, String> labels = statefulSet().getSpec().getTemplate().getMetadata().getLabels();
        assertThat(pod.getTopologySpreadConstraints()).anySatisfy(c -> {
            assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(c.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
            assertThat(labels).containsAllEntriesOf(c.getLabelSelector().getMatchLabels());
        });
        PodDisruptionBudget budget = only(PodDisruptionBudget.class);
        assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(labels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        assertThat(statefulSet().getSpec().getReplicas()).isGreaterThanOrEqualTo(3); // a majority survives one loss
    }

    @Test
    void servicesForNtpHttpAndTheHazelcastJoinReachNamedContainerPorts() throws Exception {
        Container node = container();
        Map<String, String> labels = statefulSet().getSpec().getTemplate().getMetadata().getLabels();
        List<Service> services = objects().stream().filter(Service.class::isInstance).map(Service.class::cast).toList();
        for (Service service : services) {
            assertThat(labels).containsAllEntriesOf(service.getSpec().getSelector());
            for (ServicePort port : service.getSpec().getPorts()) {
                ContainerPort target = port(node, port.getTargetPort().getStrVal()).orElseThrow();
                assertThat(target.getProtocol()).as(service.getMetadata().getName()).isEqualTo(port.getProtocol());
            }
        }
        assertThat(services).anySatisfy(s -> assertThat(s.getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getPort()).isEqualTo(123);
            assertThat(p.getProtocol()).isEqualTo("UDP");
        }));
        assertThat(services).anySatisfy(s -> assertThat(s.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(8123)));
        Service headless = services.stream().filter(s -> "None".equals(s.getSpec().getClusterIP())).findFirst().orElseThrow();
        assertThat(statefulSet().getSpec().getServiceName()).isEqualTo(headless.getMetadata().getName());
        assertThat(headless.getSpec().getPorts()).extracting(ServicePort::getPort).contains(5701);
        // Hazelcast's DNS join asks exactly this Service.
        assertThat(Files.readString(DIR.resolve("hazelcast.xml"))).contains("<service-dns>" + headless.getMetadata().getName()
                + "." + headless.getMetadata().getNamespace() + ".svc.cluster.local</service-dns>");
    }

    @Test
    void theClusterKeyComesFromASecretFile() throws Exception {
        Container node = container();
        String keyFile = env(node, "TIMEMESH_CLUSTER__KEY_FILE").orElseThrow().getValue();
        VolumeMount mount = node.getVolumeMounts().stream().filter(m -> keyFile.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow();
        Volume volume = podSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertThat(volume.getSecret()).as("the key file's volume").isNotNull();
        assertThat(mount.getReadOnly()).isTrue();
        // The Secret's file is readable by the pod's group only (0440), and the pod runs in that group.
        assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440);
        assertThat(podSpec().getSecurityContext().getFsGroup()).isNotNull();
    }

    @Test
    void theConfigMapHoldsTheFilesTheNodeIsGivenAndTheNodeAcceptsThem() throws Exception {
        JsonNode kustomization = new YAMLMapper().readTree(DIR.resolve("kustomization.yaml").toFile());
        List<String> files = new ArrayList<>();
        kustomization.path("configMapGenerator").get(0).path("files").forEach(f -> files.add(f.asText()));
        assertThat(files).containsExactlyInAnyOrder("node.json", "hazelcast.xml");
        assertThat(kustomization.path("resources").get(0).asText()).isEqualTo("timemesh.yaml");
        Volume config = podSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        assertThat(config.getConfigMap().getName()).isEqualTo(kustomization.path("configMapGenerator").get(0).path("name").asText());
        String mountPath = container().getVolumeMounts().stream().filter(m -> m.getName().equals(config.getName()))
                .findFirst().orElseThrow().getMountPath();
        List<String> args = container().getArgs();
        assertThat(args.get(args.indexOf("--config") + 1)).isEqualTo(mountPath + "/node.json");
        assertThat(args.get(args.indexOf("--hazelcast-config") + 1)).isEqualTo(mountPath + "/hazelcast.xml");
        // Refuses unknown keys and bad values as the node would.
        NodeConfig accepted = NodeConfig.of(List.of(Layer.file(DIR.resolve("node.json"))));
        assertThat(accepted.ntp().ntpPort()).isEqualTo(123);
        assertThat(ClusterConfigs.fromFile(DIR.resolve("hazelcast.xml")).getNetworkConfig().getPort()).isEqualTo(5701);
    }

    private static List<HasMetadata> objects() throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode document : documents()) {
            String kind = document.path("kind").asText();
            Class<? extends HasMetadata> type = KINDS.get(kind);
            assertThat(type).as("a kind this test knows: " + kind).isNotNull();
            String group = HasMetadata.getGroup(type); // empty for the core group ("v1")
            assertThat(document.path("apiVersion").asText()).as(kind)
                    .isEqualTo(group.isEmpty() ? HasMetadata.getVersion(type) : group + "/" + HasMetadata.getVersion(type));
            assertThat(unknownFields(document)).as(kind + " " + document.path("metadata").path("name")).isEmpty();
            objects.add(JSON.treeToValue(document, type));
        }
        return objects;
    }

    private static List<JsonNode> documents() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        try (var parser = yaml.createParser(DIR.resolve("timemesh.yaml").toFile())) {
            return yaml.readValues(parser, JsonNode.class).readAll().stream().filter(d -> !d.isNull()).toList();
        }
    }

    /** Paths of the document's fields that the kind's schema does not have. */
    private static List<String> unknownFields(JsonNode document) throws IOException {
        Object object = JSON.treeToValue(document, KINDS.get(document.path("kind").asText()));
        List<String> unknown = new ArrayList<>();
        collectUnknown(object, "$", unknown);
        return unknown;
    }

    /** fabric8's classes keep what their schema lacks in getAdditionalProperties(); walk every one. */
    private static void collectUnknown(Object value, String path, List<String> unknown) {
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknown(item, path + "[" + i++ + "]", unknown);
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> collectUnknown(item, path + "." + key, unknown));
        } else if (value != null && value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            for (Method getter : value.getClass().getMethods()) {
                if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")) {
                    continue;
                }
                Object property = invoke(getter, value);
                if (getter.getName().equals("getAdditionalProperties")) {
                    ((Map<?, ?>) property).keySet().forEach(key -> unknown.add(path + "." + key));
                } else if (followed(getter.getReturnType())) {
                    String name = getter.getName().substring(3);
                    collectUnknown(property, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), unknown);
                }
            }
        }
    }

    private static boolean followed(Class<?> type) {
        return Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type)
                || type.getName().startsWith("io.fabric8.kubernetes.api.model");
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError(getter + ": " + e, e);
        }
    }

    private static ObjectNode statefulSetJson() throws IOException {
        return (ObjectNode) documents().stream().filter(d -> d.path("kind").asText().equals("StatefulSet")).findFirst()
                .orElseThrow().deepCopy();
    }

    private static <T> T only(Class<T> type) throws IOException {
        List<T> found = objects().stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static StatefulSet statefulSet() throws IOException {
        return only(StatefulSet.class);
    }

    private static PodSpec podSpec() throws IOException {
        return statefulSet().getSpec().getTemplate().getSpec();
    }

    private static Container container() throws IOException {
        assertThat(podSpec().getContainers()).hasSize(1);
        return podSpec().getContainers().get(0);
    }

    private static Optional<ContainerPort> port(Container container, String name) {
        return container.getPorts().stream().filter(p -> p.getName().equals(name)).findFirst();
    }

    private static Optional<EnvVar> env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst();
    }
}
