package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
 * makes from Debian packages, under the name the manifest gives it, started by docker with exactly the
 * user, capabilities, seccomp profile, read-only root, volumes and memory limit that the manifest
 * grants ({@link PodSpecDocker} reads them from the file), and no host mount or namespace it does not
 * grant. RuntimeDefault is containerd's profile for the pod's capabilities ({@link ContainerdRuntimeDefault}),
 * as Kubernetes on containerd applies it, not docker's. Its probes are what Kubernetes would ask (the manifest's paths and ports, inside the
 * container's own network namespace, as the kubelet reaches the pod), then it is scraped and stopped as
 * Kubernetes stops a pod.
 */
class ManifestContainerIT {
    /** build-image.sh's Debian tree: a root file system for ctr to create (not start) a container with. */
    private static final Path TREE = Path.of(System.getenv().getOrDefault("CTXSWITCH_IMAGE_TREE", "/var/tmp/ctxswitch-bookworm-jre"));
    private static PodSpecDocker pod;

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
        if (ContainerdRuntimeDefault.socket() == null) {
            Jar.skip("no containerd socket, to ask for its RuntimeDefault seccomp profile (dockerd starts one)");
        }
        LiveHost.assumeSchedTpCapable();
        Jar.assumeBuilt();
        pod = PodSpecDocker.read(PodSpecDocker.MANIFEST);
        long start = System.nanoTime();
        Jar.Run build = run(20 * 60, List.of("CTXSWITCH_JAR=" + Jar.JAR),
                "bash", Jar.ROOT.resolve("deploy/container/build-image.sh").toString(), pod.image());
        assertThat(build.exit()).as("deploy/container/build-image.sh %s: %s", pod.image(), build.err()).isZero();
        System.err.printf("ManifestContainerIT: image %s built in %d s%n", pod.image(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    @AfterEach
    void removeContainers() throws Exception {
        for (String name : containers) {
            run(60, "docker", "rm", "--force", name);
        }
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

    private static String inspect(String container, String format) throws Exception {
        Jar.Run inspect = run(60, "docker", "inspect", "--format", format, container);
        assertThat(inspect.exit()).as(inspect.err()).isZero();
        return inspect.out().strip();
    }

    /** The container's status code and body for GET of a probe's path, from inside its network namespace. */
    private static String[] get(long containerPid, PodSpecDocker.HttpGet probe) throws Exception {
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
        String name = "ctxswitch-manifest-" + UUID.randomUUID().toString().substring(0, 8);
        Path seccomp = null;
        if (pod.runtimeDefaultSeccomp()) {
            seccomp = ContainerdRuntimeDefault.write(pod.addedCapabilities(), TREE, dir.resolve("runtime-default.json"));
        }
        List<String> dockerRun = pod.dockerRun(name, seccomp);
        System.err.println("ManifestContainerIT: " + String.join(" ", dockerRun));
        containers.add(name);
        Jar.Run started = run(120, dockerRun.toArray(String[]::new));
        assertThat(started.exit()).as(started.err()).isZero();
        long pid = Long.parseLong(inspect(name, "{{.State.Pid}}"));

        // The startup probe, with the manifest's own budget: period × failure threshold.
        PodSpecDocker.HttpGet startup = pod.probe("startupProbe");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(pod.probeBudgetSeconds("startupProbe"));
        String[] reply = {"000", ""};
        while (!reply[0].equals("200")) {
            assertThat(inspect(name, "{{.State.Running}}")).as("the exporter ended before its startup probe answered: %s",
                    run(60, "docker", "logs", name).err()).isEqualTo("true");
            assertThat(System.nanoTime()).as("the startup probe never answered 200 within the manifest's budget: %s",
                    run(60, "docker", "logs", name).err()).isLessThan(deadline);
            Thread.sleep(500);
            reply = get(pid, startup);
        }

        // What the process really has: root, exactly the added capabilities, no new privileges.
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        String caps = String.format("%016x", PodSpecDocker.capabilityMask(pod.addedCapabilities()));
        assertThat(status).as("the container's process").containsPattern("(?m)^Uid:\\s+0\\s")
                .containsPattern("(?m)^CapEff:\\s+" + caps + "$").containsPattern("(?m)^CapBnd:\\s+" + caps + "$")
                .containsPattern("(?m)^NoNewPrivs:\\s+1$");

        // Scraped as Prometheus would: switches counted, and never fewer at a later scrape.
        PodSpecDocker.HttpGet metrics = new PodSpecDocker.HttpGet(pod.scrapePath(), pod.scrapePort());
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
            PodSpecDocker.HttpGet probe = pod.probe(kind);
            if (probe != null) {
                assertThat(get(pid, probe)[0]).as(kind).isEqualTo("200");
            }
        }
        System.err.println("ManifestContainerIT: memory in use " + run(60, "docker", "stats", "--no-stream", "--format",
                "{{.MemUsage}}", name).out().strip());

        // Stopped as Kubernetes stops a pod: SIGTERM, then SIGKILL after the grace period.
        Jar.Run stop = run(pod.terminationGracePeriodSeconds() + 60, "docker", "stop", "--time",
                Integer.toString(pod.terminationGracePeriodSeconds()), name);
        assertThat(stop.exit()).as(stop.err()).isZero();
        Jar.Run logs = run(60, "docker", "logs", name);
        assertThat(inspect(name, "{{.State.ExitCode}}")).as(logs.err()).isEqualTo("0");
        assertThat(logs.out()).as("the summary, in the pod's log").contains("switches");
        assertThat(logs.err()).contains("serving http://0.0.0.0:" + pod.scrapePort() + "/metrics, tracing with libbpf")
                .doesNotContain("Exception");
    }
}
