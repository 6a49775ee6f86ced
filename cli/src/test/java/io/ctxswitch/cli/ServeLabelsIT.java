package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --serve} with {@code --by=kind} and {@code --by=cgroup}, live, with the libbpf backend (issues 14 and 15): pinned
 * pipe ping-pongs in cgroups v2 the test creates, traced with {@code --cgroup} on their parent, so that nothing else is
 * measured and the kernel's counts of their switches (/proc/PID/status) bound what is served: each labelled series
 * holds the switches into its tasks (within a few percent, never more), the labelled series add up to the summary's
 * count at exit (nothing switches into the stopped loads after the last scrape), each label's series to the summary's
 * line of that kind or cgroup, no series goes back between scrapes, no unlabelled series is served beside them, and
 * promtool accepts the exposition.
 *
 * <p>As in {@link ByCgroupIT}, the loads are stopped while ctxswitch starts and again before the last scrape, so that
 * the growth of the kernel's counts between the two stops is every switch into them while serving.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServeLabelsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Switches into a ping-pong's ping to wait for: each round trip is at least two. */
    private static final long PING_SWITCHES_WANTED = 20_000;
    /** "Within a few percent" of the kernel's count, as ByCgroupIT. */
    private static final double SHARE = 0.97;
    private static final String COUNT = "ctxswitch_latency_seconds_count";

    @RegisterExtension
    static final CgroupV2 CGROUPS = new CgroupV2("servelabels-cgroup2");

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
        if (!KernelVm.onPath("gcc") || !KernelVm.onPath("taskset") || !Jar.onPath("promtool")) {
            Jar.skip("--serve --by test: gcc, taskset or promtool is missing (apt-get install gcc util-linux prometheus)");
        }
    }



    @Test
    void servedKindsHoldThePingPongsSwitchesAndAddUpToTheSummary() throws Exception {
        Path parent = CGROUPS.create("sl-kind");
        try (ForkedLoad load = new ForkedLoad("kind-pp", 0, "ping", "pong")) {
            Served served = serve(parent, "--by=kind", List.of(load), List.of(parent));
            Map<String, Double> last = served.last();
            for (String kind : List.of("preempted", "blocked", "yield", "exit", "from-idle", "to-idle")) {
                assertThat(last).as("every kind is served").containsKey(COUNT + "{kind=\"" + kind + "\"}");
            }
            assertThat(last.get(COUNT + "{kind=\"blocked\"}")).as("a pipe ping-pong's tasks block").isPositive();
            long kernel = served.grown(load);
            assertThat((long) Exposition.total(last, COUNT)).as("switches into the ping-pong's tasks: the kernel counted %d", kernel)
                    .isBetween((long) Math.floor(kernel * SHARE), kernel);
            for (JsonNode k : served.summary().get("by_kind")) {
                assertThat(last.get(COUNT + "{kind=\"" + k.get("kind").asText() + "\"}")).as("the summary's %s", k)
                        .isEqualTo(k.get("count").asDouble());
            }
        }
    }

    @Test
    void servedCgroupsHoldTheirPingPongsSwitchesAndAddUpToTheSummary() throws Exception {
        Path parent = CGROUPS.create("sl-cg");
        Path a = CGROUPS.removeAfterTest(Files.createDirectories(parent.resolve("a")));
        Path b = CGROUPS.removeAfterTest(Files.createDirectories(parent.resolve("b")));
        try (ForkedLoad inA = new ForkedLoad("cg-a-pp", 0, "ping", "pong");
             ForkedLoad inB = new ForkedLoad("cg-b-pp", 1, "ping", "pong")) {
            Served served = serve(parent, "--by=cgroup", List.of(inA, inB), List.of(a, b));
            Map<String, Double> last = served.last();
            assertThat(last).containsKey(COUNT + "{cgroup=\"other\"}").containsKey("ctxswitch_cgroup_unattributed_total");
            for (Map.Entry<String, ForkedLoad> c : Map.of("/sl-cg/a", inA, "/sl-cg/b", inB).entrySet()) {
                String series = "{cgroup=\"" + c.getKey() + "\"}";
                long kernel = served.grown(c.getValue());
                assertThat(last.get(COUNT + series)).as("switches into %s's tasks: the kernel counted %d", c.getKey(), kernel)
                        .isNotNull().isBetween(Math.floor(kernel * SHARE), (double) kernel);
                assertThat(last.get("ctxswitch_latency_seconds_bucket{cgroup=\"" + c.getKey() + "\",le=\"+Inf\"}")).isEqualTo(last.get(COUNT + series));
                JsonNode line = null;
                for (JsonNode l : served.summary().get("top_cgroups")) {
                    line = c.getKey().equals(l.get("cgroup").asText()) ? l : line;
                }
                assertThat(line).as("%s in the summary", c.getKey()).isNotNull();
                assertThat(last.get(COUNT + series)).as("the summary's %s", line).isEqualTo(line.get("count").asDouble());
            }
            assertThat(Exposition.total(last, COUNT) + last.get("ctxswitch_cgroup_unattributed_total"))
                    .as("the cgroups, other and the unattributed are every switch").isEqualTo(served.summary().get("count").asDouble());
        }
    }

    /** What a served run gave: the scrape after the loads stopped, the summary at exit, the kernel's counts before and after. */
    private record Served(Map<String, Double> last, JsonNode summary, Map<Integer, Long> before, Map<Integer, Long> after) {
        /** The kernel's switches into the tasks of {@code load} while it ran. */
        long grown(ForkedLoad load) {
            long n = 0;
            for (int pid : load.pids()) {
                n += after.get(pid) - before.get(pid);
            }
            return n;
        }
    }

    /**
     * Serves with {@code --cgroup=parent} and {@code breakdown} while the loads (each moved into its cgroup, stopped)
     * run until the first has made its switches; scrapes before and after, checks that no series went back, that
     * there is no unlabelled latency series, and that promtool accepts the last exposition; then stops ctxswitch.
     */
    private static Served serve(Path parent, String breakdown, List<ForkedLoad> loads, List<Path> cgroups) throws Exception {
        Map<Integer, Long> before = new java.util.HashMap<>();
        for (int i = 0; i < loads.size(); i++) {
            loads.get(i).stop();
            loads.get(i).moveTo(cgroups.get(i));
            before.putAll(loads.get(i).kernelSwitches());
        }
        int port = Loopback.freePort();
        String url = "http://127.0.0.1:" + port + "/metrics";
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--serve=" + port, "--format=json", breakdown,
                "--cgroup=" + parent);
        Jar.Run run;
        Map<String, Double> last;
        Map<Integer, Long> after = new java.util.HashMap<>();
        try {
            ctxswitch.awaitErr("serving " + url, 60);
            Map<String, Double> first = Exposition.scrape(url);
            for (ForkedLoad load : loads) {
                load.resume();
            }
            ForkedLoad main = loads.get(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long pingBefore = before.get(main.pid("ping"));
            while (main.kernelSwitches("ping") - pingBefore < PING_SWITCHES_WANTED) {
                assertThat(System.nanoTime()).as("the ping-pong made its switches").isLessThan(deadline);
                Thread.sleep(20);
            }
            for (ForkedLoad load : loads) {
                load.stop();
                after.putAll(load.kernelSwitches());
            }
            String text = Loopback.get(url, "text/plain;version=0.0.4");
            last = Exposition.scrape(url);
            Exposition.assertNeverLess(first, last, 2);
            assertThat(last.keySet()).as("only labelled latency series").noneMatch(s -> s.equals(COUNT) || s.startsWith("ctxswitch_latency_seconds_bucket{le="));
            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor()).as(lint).isZero();
            assertThat(lint).isEmpty();
            ctxswitch.signal("TERM");
            run = ctxswitch.finish(60);
        } finally {
            ctxswitch.process.destroyForcibly();
        }
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode summary = JSON.readTree(run.out());
        Served served = new Served(last, summary, before, after);
        Map<String, Double> counts = new java.util.TreeMap<>();
        last.forEach((series, value) -> {
            if (series.startsWith(COUNT)) {
                counts.put(series.substring(COUNT.length()), value);
            }
        });
        List<Long> kernel = loads.stream().map(served::grown).toList();
        System.out.printf("--serve %s: kernel's switches into the loads %s; served counts %s; summary count %d%n", breakdown, kernel, counts,
                summary.get("count").asLong());
        return served;
    }
}
