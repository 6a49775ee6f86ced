package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes's DaemonSet, run as its pod would be: the image that deploy/container/build-image.sh
 * makes from Debian packages, under the name the manifest gives it, handed to containerd and run by
 * its client ctr with exactly the user, capabilities, seccomp profile (containerd's RuntimeDefault),
 * read-only root, volumes and memory limit that the manifest grants ({@link PodSpecCtr} reads them
 * from the file), and no host mount or namespace it does not grant. Its probes are what Kubernetes would ask (the manifest's paths and ports, inside the
 * container's own network namespace, as the kubelet reaches the pod), then it is scraped and stopped as
 * Kubernetes stops a pod.
 */
class ManifestContainerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAMESPACE = "ctxswitch-test";
    /** The system's containerd, else the one that dockerd starts for itself. */
    private static final List<Path> SOCKETS = List.of(Path.of("/run/containerd/containerd.sock"),
            Path.of("/var/run/docker/containerd/containerd.sock"));
    private static PodSpecCtr pod;
    private static Path socket;
    private static String imageRef;
    private static List<String> entrypoint;
    private static List<String> cmd;

    @TempDir
    Path dir;
    private final List<String> containers = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 22, unit = TimeUnit.MINUTES) // debootstrap, the first time on a machine
    static void buildTheManifestsImage() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("the manifest's container test needs root");
        }
        for (String tool : new String[] {"docker", "ctr", "debootstrap", "nsenter", "curl"}) {
            if (!Jar.onPath(tool)) {
                Jar.skip(tool + " is missing (apt-get install docker.io containerd debootstrap util-linux curl)");
            }
        }
        if (run(60, "docker", "info").exit() != 0) {
            Jar.skip("the docker daemon is not running (dockerd --bridge=none --iptables=false &)");
        }
        socket = SOCKETS.stream().filter(Files::exists).findFirst().orElse(null);
        if (socket == null) {
            Jar.skip("no containerd socket (" + SOCKETS + "; dockerd starts a containerd of its own)");
        }
        LiveHost.assumeSchedTpCapable();
        Jar.assumeBuilt();
        pod = PodSpecCtr.read(PodSpecCtr.MANIFEST);
        long start = System.nanoTime();
        Jar.Run build = run(20 * 60, List.of("CTXSWITCH_JAR=" + Jar.JAR),
                "bash", Jar.ROOT.resolve("deploy/container/build-image.sh").toString(), pod.image());
        assertThat(build.exit()).as("deploy/container/build-image.sh %s: %s", pod.image(), build.err()).isZero();
        // From docker's store to containerd's, where Kubernetes's runtime would pull it to.
        Jar.Run imported = run(600, "bash", "-c", "set -o pipefail; docker save \"$0\" | ctr --address \"$1\" --namespace \"$2\" images import -",
                pod.image(), socket.toString(), NAMESPACE);
        assertThat(imported.exit()).as("importing the image into containerd: %s %s", imported.out(), imported.err()).isZero();
        imageRef = run(60, "ctr", "--address", socket.toString(), "--namespace", NAMESPACE, "images", "ls", "--quiet").out().lines()
                .filter(ref -> ref.equals(pod.image()) || ref.endsWith("/" + pod.image())).findFirst()
                .orElseThrow(() -> new AssertionError("containerd has no image " + pod.image()));
        entrypoint = jsonList(inspect(pod.image(), "{{json .Config.Entrypoint}}"));
        cmd = jsonList(inspect(pod.image(), "{{json .Config.Cmd}}"));
        System.err.printf("ManifestContainerIT: image %s built and imported in %d s%n", imageRef, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    private static List<String> jsonList(String json) throws Exception {
        List<String> list = new ArrayList<>();
        JSON.readTree(json).forEach(n -> list.add(n.asText()));
        return list;
    }

    @AfterEach
    void removeContainers() throws Exception {
        for (String id : containers) { // after a failure: ctr run --rm removes what ends normally
            run(60, "ctr", "--address", socket.toString(), "--namespace", NAMESPACE, "tasks", "kill", "--signal", "SIGKILL", id);
            run(60, "ctr", "--address", socket.toString(), "--namespace", NAMESPACE, "tasks", "delete", "--force", id);
            run(60, "ctr", "--address", socket.toString(), "--namespace", NAMESPACE, "containers", "delete", id);
        }
    }

    private static void signal(String id, String signal) throws Exception {
        Jar.Run kill = run(60, "ctr", "--address", socket.toString(), "--namespace", NAMESPACE, "tasks", "kill", "--signal", signal, id);
        assertThat(kill.exit()).as(kill.out() + kill.err()).isZero();
    }

    /** A command's exit status and output, with extra environment variables (NAME=value). */
    private static Jar.Run run(int timeoutSeconds, List<String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        for (String e : env) {
            pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        Path out = Files.createTempFile("manifest-it", ".out");
        Path err = Files.createTempFile("manifest-it", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end in " + timeoutSeconds + " s");
            }
            return new Jar.Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    private static Jar.Run run(int timeoutSeconds, String... command) throws Exception {
        return run(timeoutSeconds, List.of(), command);
    }

    private static String inspect(String image, String format) throws Exception {
        Jar.Run inspect = run(60, "docker", "image", "inspect", "--format", format, image);
        assertThat(inspect.exit()).as(inspect.err()).isZero();
        return inspect.out().strip();
    }

    /** The container's status code and body for GET of a probe's path, from inside its network namespace. */
    private static String[] get(long containerPid, PodSpecCtr.HttpGet probe) throws Exception {
        Jar.Run curl = run(30, "nsenter", "--target", Long.toString(containerPid), "--net",
                "curl", "-s", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:" + probe.port() + probe.path());
        String out = curl.out();
        int cut = out.lastIndexOf('\n');
        return new String[] {out.substring(cut + 1), cut < 0 ? "" : out.substring(0, cut)};
    }

    /** The value of an unlabelled sample, or -1 if the exposition has none. */
    private static double sample(String exposition, String name) {
        return exposition.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(-1);
    }

    @Test
    @Timeout(240)
    void thePodServesWithExactlyWhatTheManifestGrants() throws Exception {
        String id = "ctxswitch-manifest-" + UUID.randomUUID().toString().substring(0, 8);
        Path pidFile = dir.resolve("pid");
        List<String> ctrRun = pod.ctrRun(socket, NAMESPACE, id, imageRef, entrypoint, cmd, pidFile);
        System.err.println("ManifestContainerIT: " + String.join(" ", ctrRun));
        containers.add(id);
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process container = new ProcessBuilder(ctrRun).redirectOutput(out.toFile()).redirectError(err.toFile()).start();

        // The startup probe, with the manifest's own budget: period × failure threshold.
        PodSpecCtr.HttpGet startup = pod.probe("startupProbe");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(pod.probeBudgetSeconds("startupProbe"));
        String[] reply = {"000", ""};
        long pid = -1;
        while (!reply[0].equals("200")) {
            assertThat(container.isAlive()).as("the exporter ended before its startup probe answered: %s", Files.readString(err)).isTrue();
            assertThat(System.nanoTime()).as("the startup probe never answered 200 within the manifest's budget: %s",
                    Files.readString(err)).isLessThan(deadline);
            Thread.sleep(500);
            if (pid < 0 && Files.exists(pidFile) && !Files.readString(pidFile).isBlank()) {
                pid = Long.parseLong(Files.readString(pidFile).strip());
            }
            if (pid > 0) {
                reply = get(pid, startup);
            }
        }

        // What the process really has: root, exactly the added capabilities, no new privileges.
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        String caps = String.format("%016x", PodSpecCtr.capabilityMask(pod.addedCapabilities()));
        assertThat(status).as("the container's process").containsPattern("(?m)^Uid:\\s+0\\s")
                .containsPattern("(?m)^CapEff:\\s+" + caps + "$").containsPattern("(?m)^CapBnd:\\s+" + caps + "$")
                .containsPattern("(?m)^NoNewPrivs:\\s+1$").containsPattern("(?m)^Seccomp:\\s+2$");

        // Scraped as Prometheus would: switches counted, and never fewer at a later scrape.
        PodSpecCtr.HttpGet metrics = new PodSpecCtr.HttpGet(pod.scrapePath(), pod.scrapePort());
        double first = -1;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (first <= 0) {
            assertThat(System.nanoTime()).as("no switch counted in 30 s").isLessThan(deadline);
            reply = get(pid, metrics);
            assertThat(reply[0]).as(reply[1]).isEqualTo("200");
            first = sample(reply[1], "ctxswitch_latency_seconds_count");
        }
        assertThat(reply[1]).contains("ctxswitch_info{backend=\"libbpf\"").contains("ctxswitch_unpaired_total ");
        String[] later = get(pid, metrics);
        assertThat(sample(later[1], "ctxswitch_latency_seconds_count")).isGreaterThanOrEqualTo(first);
        for (String kind : new String[] {"livenessProbe", "readinessProbe"}) {
            PodSpecCtr.HttpGet probe = pod.probe(kind);
            if (probe != null) {
                assertThat(get(pid, probe)[0]).as(kind).isEqualTo("200");
            }
        }
        System.err.println("ManifestContainerIT: the exporter's resident memory " + status.lines().filter(l -> l.startsWith("VmRSS")).findFirst().orElse("?")
                + " at start; now " + Files.readString(Path.of("/proc/" + pid + "/status")).lines().filter(l -> l.startsWith("VmRSS")).findFirst().orElse("?"));

        // Stopped as Kubernetes stops a pod: SIGTERM, then SIGKILL after the grace period.
        signal(id, "SIGTERM");
        if (!container.waitFor(pod.terminationGracePeriodSeconds(), TimeUnit.SECONDS)) {
            signal(id, "SIGKILL");
            assertThat(container.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        String logErr = Files.readString(err);
        assertThat(container.exitValue()).as(logErr).isZero();
        assertThat(Files.readString(out)).as("the summary, in the pod's log").contains("switches");
        assertThat(logErr).contains("serving http://0.0.0.0:" + pod.scrapePort() + "/metrics, tracing with libbpf")
                .doesNotContain("Exception");
        containers.remove(id);
    }
}
