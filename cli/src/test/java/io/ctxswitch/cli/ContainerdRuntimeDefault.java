package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The seccomp profile that Kubernetes on containerd applies for {@code seccompProfile: RuntimeDefault}:
 * containerd's default profile, which it computes from the container's capabilities (bpf() and
 * perf_event_open() are allowed to a holder of CAP_BPF or CAP_PERFMON since containerd#7301). Docker's
 * own default profile is another one (docker 20.10, Debian 12's, allows them only with CAP_SYS_ADMIN),
 * so a test that runs a pod spec in docker asks the machine's containerd for its profile instead: ctr
 * creates (never starts) a container with exactly those capabilities and the default profile, and the
 * profile is read back from the container's OCI spec, in the form {@code docker run --security-opt
 * seccomp=FILE} takes.
 */
final class ContainerdRuntimeDefault {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The system's containerd, else the one that dockerd starts for itself. */
    private static final List<Path> SOCKETS = List.of(Path.of("/run/containerd/containerd.sock"),
            Path.of("/var/run/docker/containerd/containerd.sock"));

    private ContainerdRuntimeDefault() {
    }

    static Path socket() {
        return SOCKETS.stream().filter(Files::exists).findFirst().orElse(null);
    }

    /**
     * Writes containerd's default profile for a container with exactly {@code capabilities} (Kubernetes
     * names: BPF, PERFMON) to {@code file}.
     *
     * @param rootfs any root file system with /bin/true (the container is only created, to read its spec)
     */
    static Path write(List<String> capabilities, Path rootfs, Path file) throws Exception {
        Path socket = socket();
        String id = "ctxswitch-seccomp-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> ctr = List.of("ctr", "--address", socket.toString(), "--namespace", "ctxswitch-test");
        List<String> create = new ArrayList<>(ctr);
        create.addAll(List.of("containers", "create", "--rootfs", "--seccomp"));
        List<String> wanted = capabilities.stream().map(c -> "CAP_" + c.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "")).toList();
        for (String c : wanted) {
            create.addAll(List.of("--cap-add", c));
        }
        for (String c : PodSpecDocker.capabilityNames()) { // every other capability dropped, as drop: [ALL] does
            if (!wanted.contains("CAP_" + c)) {
                create.addAll(List.of("--cap-drop", "CAP_" + c));
            }
        }
        create.addAll(List.of(rootfs.toString(), id, "/bin/true"));
        run(create);
        try {
            List<String> info = new ArrayList<>(ctr);
            info.addAll(List.of("containers", "info", id));
            JsonNode spec = JSON.readTree(run(info)).path("Spec");
            List<String> bounding = new ArrayList<>();
            spec.path("process").path("capabilities").path("bounding").forEach(c -> bounding.add(c.asText()));
            assertThat(bounding).as("the capabilities containerd computed the profile for").containsExactlyInAnyOrderElementsOf(wanted);
            JsonNode seccomp = spec.path("linux").path("seccomp");
            assertThat(seccomp.path("syscalls").size()).as("containerd's default profile").isPositive();
            Files.writeString(file, JSON.writeValueAsString(seccomp));
            return file;
        } finally {
            List<String> delete = new ArrayList<>(ctr);
            delete.addAll(List.of("containers", "delete", id));
            run(delete);
        }
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }
}
