package io.ctxswitch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A Kubernetes workload's pod (deploy/kubernetes/), as the {@code ctr run} command that grants its
 * one container what the pod spec grants: its user, capabilities, seccomp profile, read-only root,
 * no new privileges, host namespaces, volumes (hostPath bound, emptyDir as tmpfs), memory and CPU
 * limits, command and arguments. A key that is not understood is refused rather than ignored, so that
 * a grant added to the manifest cannot go untested. containerd's client rather than docker: it is
 * the runtime of Kubernetes's CRI plugin, its RuntimeDefault seccomp profile is the one Kubernetes on
 * containerd applies, and Debian 12's docker (20.10) does not know CAP_BPF at all. The network is a
 * namespace of the container's own with only a loopback, unless the pod asks for the host's.
 */
final class PodSpecCtr {
    static final Path MANIFEST = Jar.ROOT.resolve("deploy/kubernetes/ctxswitch-exporter.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Pod spec keys that only place or schedule the pod, or that docker has nothing to match. */
    private static final Set<String> POD_KEYS_WITHOUT_GRANT = Set.of("nodeSelector", "tolerations", "automountServiceAccountToken",
            "enableServiceLinks", "terminationGracePeriodSeconds", "containers", "volumes", "priorityClassName");
    private static final Set<String> CONTAINER_KEYS_WITHOUT_GRANT = Set.of("name", "image", "imagePullPolicy", "command", "args",
            "ports", "securityContext", "resources", "volumeMounts", "startupProbe", "livenessProbe", "readinessProbe");

    private final JsonNode template;
    private final JsonNode pod;
    private final JsonNode container;

    private PodSpecCtr(JsonNode template) {
        this.template = template;
        this.pod = template.path("spec");
        if (!pod.isObject()) {
            throw new IllegalArgumentException("no spec.template.spec");
        }
        JsonNode containers = pod.path("containers");
        if (containers.size() != 1 || pod.has("initContainers")) {
            throw new IllegalArgumentException("one container, no init containers, expected: " + containers.size());
        }
        this.container = containers.get(0);
        refuseUnknown(pod, POD_KEYS_WITHOUT_GRANT, Set.of("hostPID", "hostNetwork", "hostIPC"), "pod spec");
        refuseUnknown(container, CONTAINER_KEYS_WITHOUT_GRANT, Set.of("env"), "container");
    }

    /** The pod template of the one workload in {@code manifest} (a DaemonSet, Deployment...). */
    static PodSpecCtr read(Path manifest) throws IOException {
        return new PodSpecCtr(YAML.readTree(manifest.toFile()).path("spec").path("template"));
    }

    static PodSpecCtr parse(String yaml) throws IOException {
        return new PodSpecCtr(YAML.readTree(yaml).path("spec").path("template"));
    }

    private static void refuseUnknown(JsonNode node, Set<String> withoutGrant, Set<String> translated, String where) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!withoutGrant.contains(name) && !translated.contains(name)) {
                throw new IllegalArgumentException(where + " key '" + name + "' is not understood: the test cannot grant it as Kubernetes would");
            }
        }
    }

    String image() {
        return container.path("image").asText();
    }

    int terminationGracePeriodSeconds() {
        return pod.path("terminationGracePeriodSeconds").asInt(30);
    }

    /** The port that Prometheus scrapes, from the pod's prometheus.io/port annotation. */
    int scrapePort() {
        JsonNode port = template.path("metadata").path("annotations").path("prometheus.io/port");
        if (port.isMissingNode()) {
            throw new IllegalArgumentException("the pod has no prometheus.io/port annotation");
        }
        return Integer.parseInt(port.asText());
    }

    /** The path that Prometheus scrapes: the prometheus.io/path annotation, else /metrics (Prometheus's default). */
    String scrapePath() {
        return template.path("metadata").path("annotations").path("prometheus.io/path").asText("/metrics");
    }

    /** How long Kubernetes lets a probe fail before it acts: period × failure threshold (its defaults 10 s and 3). */
    int probeBudgetSeconds(String kind) {
        JsonNode probe = container.path(kind);
        return probe.path("periodSeconds").asInt(10) * probe.path("failureThreshold").asInt(3);
    }

    /** A probe's httpGet path and container port (a named port resolved), or null if the container has no such probe. */
    record HttpGet(String path, int port) {
    }

    HttpGet probe(String kind) {
        JsonNode get = container.path(kind).path("httpGet");
        if (get.isMissingNode()) {
            return null;
        }
        JsonNode port = get.path("port");
        int number = port.isInt() ? port.asInt() : -1;
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                number = p.path("containerPort").asInt();
            }
        }
        if (number < 0) {
            throw new IllegalArgumentException(kind + ": port " + port + " is not a container port");
        }
        return new HttpGet(get.path("path").asText("/"), number);
    }

    /** The capabilities the container gets: Kubernetes's names (BPF), without CAP_. */
    List<String> addedCapabilities() {
        return texts(container.path("securityContext").path("capabilities").path("add"));
    }

    /**
     * The {@code ctr run} command (containerd's own client, which Kubernetes's CRI plugin shares its
     * runtime with) that runs the container as the pod spec grants, in containerd namespace
     * {@code namespace}, in the foreground: its exit status is the container's.
     *
     * @param socket     containerd's socket
     * @param imageEntrypoint the image's entry point, which {@code command} replaces, as in Kubernetes
     * @param imageCmd   the image's default arguments, which {@code args} replace
     * @param pidFile    where ctr writes the container's process id (on the host)
     */
    List<String> ctrRun(Path socket, String namespace, String id, String imageRef, List<String> imageEntrypoint, List<String> imageCmd,
            Path pidFile) {
        List<String> run = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "--namespace", namespace, "run", "--rm",
                "--pid-file", pidFile.toString()));
        // ctr gives a container a network namespace of its own, with only a loopback: a pod's own network.
        if (pod.path("hostNetwork").asBoolean()) {
            run.add("--net-host");
        }
        if (pod.path("hostPID").asBoolean()) {
            run.addAll(List.of("--with-ns", "pid:/proc/1/ns/pid"));
        }
        if (pod.path("hostIPC").asBoolean()) {
            run.addAll(List.of("--with-ns", "ipc:/proc/1/ns/ipc"));
        }
        security(run, container.path("securityContext"));
        resources(run, container.path("resources"));
        volumes(run);
        for (JsonNode env : container.path("env")) {
            run.addAll(List.of("--env", env.path("name").asText() + "=" + env.path("value").asText()));
        }
        run.addAll(List.of(imageRef, id));
        List<String> command = texts(container.path("command"));
        run.addAll(command.isEmpty() ? imageEntrypoint : command);
        run.addAll(container.has("args") ? texts(container.path("args")) : command.isEmpty() ? imageCmd : List.of());
        return run;
    }

    private static void security(List<String> run, JsonNode context) {
        refuseUnknown(context, Set.of(), Set.of("runAsUser", "runAsGroup", "privileged", "allowPrivilegeEscalation",
                "readOnlyRootFilesystem", "capabilities", "seccompProfile"), "securityContext");
        if (context.path("privileged").asBoolean()) {
            throw new IllegalArgumentException("a privileged container cannot be granted here (and is not what the exporter needs)");
        }
        // ctr runs the image's user, root; it cannot be told another.
        if (context.path("runAsUser").asInt(0) != 0 || context.path("runAsGroup").asInt(0) != 0) {
            throw new IllegalArgumentException("runAsUser/runAsGroup other than 0 are not understood");
        }
        if (context.path("allowPrivilegeEscalation").asBoolean(true)) {
            run.add("--allow-new-privs"); // ctr's default is no new privileges
        }
        if (context.path("readOnlyRootFilesystem").asBoolean()) {
            run.add("--read-only");
        }
        JsonNode capabilities = context.path("capabilities");
        refuseUnknown(capabilities, Set.of(), Set.of("add", "drop"), "capabilities");
        List<String> added = texts(capabilities.path("add")).stream().map(PodSpecCtr::capName).toList();
        for (String add : added) {
            run.addAll(List.of("--cap-add", "CAP_" + add));
        }
        for (String drop : texts(capabilities.path("drop"))) {
            // ALL is every capability but those added, as Kubernetes applies drop before add.
            for (String name : drop.equalsIgnoreCase("ALL") ? CAPABILITY_BITS : List.of(capName(drop))) {
                if (!added.contains(name)) {
                    run.addAll(List.of("--cap-drop", "CAP_" + name));
                }
            }
        }
        // RuntimeDefault: containerd's default profile, which it computes from the capabilities, as its CRI does.
        String seccomp = context.path("seccompProfile").path("type").asText("RuntimeDefault");
        switch (seccomp) {
            case "RuntimeDefault" -> run.add("--seccomp");
            case "Unconfined" -> { }
            default -> throw new IllegalArgumentException("seccompProfile " + seccomp + " is not understood");
        }
    }

    private static String capName(String name) {
        String bare = name.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "");
        if (!CAPABILITY_BITS.contains(bare)) {
            throw new IllegalArgumentException("unknown capability " + name);
        }
        return bare;
    }

    private static void resources(List<String> run, JsonNode resources) {
        refuseUnknown(resources, Set.of("requests"), Set.of("limits"), "resources");
        JsonNode limits = resources.path("limits");
        refuseUnknown(limits, Set.of(), Set.of("memory", "cpu"), "resources.limits");
        if (limits.has("memory")) {
            run.addAll(List.of("--memory-limit", Long.toString(bytes(limits.path("memory").asText()))));
        }
        if (limits.has("cpu")) {
            String cpu = limits.path("cpu").asText();
            run.addAll(List.of("--cpus", cpu.endsWith("m") ? Double.toString(Long.parseLong(cpu.replace("m", "")) / 1000.0) : cpu));
        }
    }

    /** The container's volume mounts: hostPath volumes bound in, emptyDir ones as a tmpfs of their size limit. */
    private void volumes(List<String> run) {
        for (JsonNode mount : container.path("volumeMounts")) {
            refuseUnknown(mount, Set.of("name", "mountPath"), Set.of("readOnly"), "volumeMount");
            JsonNode volume = volume(mount.path("name").asText());
            String path = mount.path("mountPath").asText();
            boolean readOnly = mount.path("readOnly").asBoolean();
            if (volume.has("hostPath")) {
                refuseUnknown(volume.path("hostPath"), Set.of("path", "type"), Set.of(), "hostPath");
                run.addAll(List.of("--mount", "type=bind,src=" + volume.path("hostPath").path("path").asText() + ",dst=" + path
                        + ",options=rbind:" + (readOnly ? "ro" : "rw")));
            } else if (volume.has("emptyDir")) {
                JsonNode emptyDir = volume.path("emptyDir");
                refuseUnknown(emptyDir, Set.of("medium"), Set.of("sizeLimit"), "emptyDir");
                String options = (readOnly ? "ro" : "rw") + ":nosuid:nodev"
                        + (emptyDir.has("sizeLimit") ? ":size=" + bytes(emptyDir.path("sizeLimit").asText()) : "");
                run.addAll(List.of("--mount", "type=tmpfs,src=tmpfs,dst=" + path + ",options=" + options));
            } else {
                throw new IllegalArgumentException("volume " + mount.path("name").asText() + ": only hostPath and emptyDir are understood");
            }
        }
        if (pod.path("volumes").size() != container.path("volumeMounts").size()) {
            throw new IllegalArgumentException("a volume that the container does not mount, or mounts twice");
        }
    }

    private JsonNode volume(String name) {
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new IllegalArgumentException("volume " + name + " is mounted but not declared");
    }

    /** A Kubernetes quantity of bytes (128Mi, 1G, 1000) in bytes. */
    static long bytes(String quantity) {
        String[] suffixes = {"Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T"};
        long[] factors = {1L << 10, 1L << 20, 1L << 30, 1L << 40, 1000L, 1000_000L, 1000_000_000L, 1000_000_000_000L};
        for (int i = 0; i < suffixes.length; i++) {
            if (quantity.endsWith(suffixes[i])) {
                return Long.parseLong(quantity.substring(0, quantity.length() - suffixes[i].length())) * factors[i];
            }
        }
        return Long.parseLong(quantity);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    /** Capability names in the order of their bits (linux/capability.h): CHOWN is bit 0, BPF bit 39. */
    private static final List<String> CAPABILITY_BITS = List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
            "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
            "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
            "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
            "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

    /** The capability set, as /proc/PID/status shows it, of Kubernetes capability names (BPF, CAP_PERFMON). */
    static long capabilityMask(List<String> names) {
        long mask = 0;
        for (String name : names) {
            int bit = CAPABILITY_BITS.indexOf(name.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", ""));
            if (bit < 0) {
                throw new IllegalArgumentException("unknown capability " + name);
            }
            mask |= 1L << bit;
        }
        return mask;
    }
}
