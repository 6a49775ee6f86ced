package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --slower} on a real run (issue 15): a pipe ping-pong of two processes named slow-pp, pinned to
 * one CPU, in a cgroup v2 of the test's own, traced with {@code --comm=slow-pp --slower=T --format=json
 * --per-cpu} until it made some 40,000 switches.
 *
 * <p>The outliers printed plus those counted lost must be exactly the switches at or above T in the
 * run's histogram. That is exact because T is a power of two (2048 ns): every histogram in the report
 * has bin edges at each power of two, and the per-CPU histograms (JSON {@code per_cpu[].histogram}) are
 * exact counts (libbpf folds its kernel buckets, whose edges include every power of two, into them; perf
 * counts each pair), so the bins from T up hold exactly the switches of T ns or more. Then each outlier
 * is checked: its latency at least T, B one of the ping-pong's processes by pid, name and cgroup, A's
 * name that of its pid when A is one of them, A's state a state letter, its time within the run; and
 * at least one outlier is a switch from one of the pair to the other.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SlowerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long THRESHOLD_NS = 2048;
    private static final long SWITCHES_WANTED = 40_000;

    @RegisterExtension
    static final CgroupV2 CGROUPS = new CgroupV2("slower-cgroup2");

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
        if (!KernelVm.onPath("gcc") || !KernelVm.onPath("taskset")) {
            Jar.skip("slower test: gcc or taskset is missing (apt-get install gcc util-linux)");
        }
    }



    @ParameterizedTest
    @ValueSource(strings = {"libbpf", "perf"})
    void outliersPrintedPlusLostAreTheHistogramsSwitchesAtOrAboveTheThresholdAndNameThePingPong(String backend) throws Exception {
        Path cgroup = CGROUPS.create("pp-" + backend);
        List<JsonNode> lines = new ArrayList<>();
        Instant began;
        Instant ended;
        List<Integer> pair;
        try (ForkedLoad load = new ForkedLoad("slow-pp", 1, "ping", "pong")) {
            load.moveTo(cgroup);
            pair = List.of(load.pid("ping"), load.pid("pong"));
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=" + backend, "--format=json", "--per-cpu",
                    "--comm=slow-pp", "--slower=" + THRESHOLD_NS + "ns");
            try {
                ctxswitch.awaitErr("tracing with " + backend, 60);
                began = Instant.now();
                long before = load.kernelSwitches("ping");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (load.kernelSwitches("ping") - before < SWITCHES_WANTED / 2) {
                    assertThat(System.nanoTime()).as("the ping-pong made %d switches", SWITCHES_WANTED).isLessThan(deadline);
                    Thread.sleep(20);
                }
                ended = Instant.now();
                ctxswitch.signal("INT");
                Jar.Run run = ctxswitch.finish(120);
                assertThat(run.exit()).as(run.err()).isZero();
                lines.addAll(KindReport.lines(JSON, run.out()));
            } finally {
                ctxswitch.process.destroyForcibly();
            }
        }
        JsonNode summary = lines.get(lines.size() - 1);
        List<JsonNode> outliers = lines.subList(0, lines.size() - 1);
        System.out.print(backend + ": ");
        KindReport.assertOutliersAreTheSlowSwitches(summary, outliers, THRESHOLD_NS);

        boolean pairSwitched = false;
        long withState = 0;
        for (JsonNode o : outliers) {
            assertThat(o.get("next_pid").asInt()).as("%s", o).isIn(pair);
            assertThat(o.get("next_comm").asText()).as("%s", o).isEqualTo("slow-pp");
            if (pair.contains(o.get("prev_pid").asInt())) {
                assertThat(o.get("prev_comm").asText()).as("%s", o).isEqualTo("slow-pp");
                pairSwitched = true;
            }
            if (backend.equals("libbpf")) { // perf records no cgroup
                assertThat(o.get("cgroup").asText()).as("%s", o).isEqualTo("/pp-" + backend);
            }
            if (!o.get("prev_state").isNull() || backend.equals("libbpf")) { // perf: no sched_switch line before a CPU's first OUT
                assertThat(o.get("prev_state").asText()).as("%s", o).isIn(KindReport.STATES);
                withState++;
            }
            Instant at = Instant.parse(o.get("time").asText());
            assertThat(at).as("%s", o).isBetween(began.minusSeconds(5), ended.plusSeconds(5));
            assertThat(o.get("cpu").asInt()).as("%s: the load runs on CPU 1", o).isEqualTo(1);
        }
        assertThat(pairSwitched).as("an outlier from one of the ping-pong to the other").isTrue();
        assertThat(withState).as("outliers with A's state").isPositive();
    }
}
