package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Root without the capabilities tracing needs: on the host by shrinking the bounding set (setpriv),
 * and in a docker container with its capabilities dropped. The image is made from this machine's
 * own JDK and libraries (src/test/docker/runtime-image.sh): no registry is needed.
 */
class CapabilitiesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Jar.Run withBoundingSet(String bounding, String... args) throws Exception {
        if (!LiveHost.root() || !Jar.onPath("setpriv")) {
            Jar.skip("shrinking the bounding set needs root and setpriv (util-linux)");
        }
        return Jar.start(List.of("setpriv", "--bounding-set=" + bounding, "--inh-caps=-all"), Map.of(), args).finish(120);
    }

    private static void assertRootLacks(Jar.Run run, String capability) {
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        String err = run.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).contains("this root process lacks").contains(capability).doesNotContain("sudo");
    }

    @Test
    void capBpfAndCapPerfmonWithoutCapSysAdminAreEnough() throws Exception {
        LiveHost.assumeSchedTpCapable();
        Jar.Run run = withBoundingSet("-sys_admin", "--backend=libbpf", "--duration=1s", "--format=json");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isPositive();
    }

    @Test
    void withoutCapPerfmonTheLibbpfAndPerfBackendsSayWhatIsMissing() throws Exception {
        LiveHost.assumeSchedTpCapable();
        assertRootLacks(withBoundingSet("-sys_admin,-perfmon", "--backend=libbpf", "--duration=1s"), "CAP_PERFMON");
        if (!Jar.onPath("perf")) {
            Jar.skip("perf is missing (apt-get install linux-perf): the perf backend's half of this test cannot run");
        }
        assertRootLacks(withBoundingSet("-sys_admin,-perfmon", "--backend=perf", "--duration=1s"), "CAP_PERFMON");
    }

    private static Jar.Run inContainer(List<String> dockerOptions, String... args) throws Exception {
        if (!LiveHost.root() || !Jar.onPath("docker")) {
            Jar.skip("the container test needs root and docker (apt-get install docker.io)");
        }
        Process info = new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
        if (info.waitFor() != 0) {
            Jar.skip("the docker daemon is not running (dockerd --bridge=none --iptables=false &)");
        }
        Process build = new ProcessBuilder("bash", Jar.ROOT.resolve("cli/src/test/docker/runtime-image.sh").toString())
                .redirectErrorStream(true).start();
        String log = new String(build.getInputStream().readAllBytes());
        assertThat(build.waitFor()).as("building the runtime image: " + log).isZero();
        List<String> command = new ArrayList<>(List.of("docker", "run", "--rm", "--network", "none"));
        command.addAll(dockerOptions);
        command.addAll(List.of("-v", Jar.JAR + ":/ctxswitch.jar:ro", "-v", "/sys/kernel/btf:/sys/kernel/btf:ro",
                "ctxswitch-test-runtime", "java", "-Xmx64m", "-jar", "/ctxswitch.jar"));
        command.addAll(List.of(args));
        Path out = java.nio.file.Files.createTempFile("docker", ".out");
        Path err = java.nio.file.Files.createTempFile("docker", ".err");
        out.toFile().deleteOnExit();
        err.toFile().deleteOnExit();
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new Jar.Run(p.exitValue(), java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
    }

    @Test
    void aContainerWithoutCapabilitiesIsToldWhichToAdd() throws Exception {
        Jar.Run run = inContainer(List.of("--cap-drop", "ALL"), "--backend=libbpf", "--duration=1s");
        assertRootLacks(run, "CAP_BPF and CAP_PERFMON");
        assertThat(run.err()).contains("--cap-add");
    }

    @Test
    void aContainerWithCapSysAdminTraces() throws Exception {
        LiveHost.assumeSchedTpCapable();
        Jar.Run run = inContainer(List.of("--cap-drop", "ALL", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined"),
                "--backend=libbpf", "--duration=1s", "--format=json");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isPositive();
    }
}
