package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fentry and kprobe modes on a real Linux 6.1 (Debian 12's kernel, booted with preempt=full so
 * that the kernel preempts itself), under QEMU by vm/kernel.sh with this machine's root shared
 * read-only; the jar under test runs inside. One boot runs every scenario of
 * src/test/vm/probe-modes.sh, the coverage test's included; the tests read what it left.
 */
class Linux61IT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path OUT = Path.of("target/linux61").toAbsolutePath();
    private static final int PINGPONG_SWITCHES = 2 * 2_000; // perf bench sched pipe -l 2000: two switches a round trip
    private static final long SLOWER_NS = 65_536; // probe-modes.sh's --slower=65536ns: a power of two, a bin edge

    @BeforeAll
    @Timeout(value = 32, unit = TimeUnit.MINUTES) // the VM's own limit below, and reading what it left
    static void bootLinux61AndRunTheScenarios() throws Exception {
        Path out = KernelVm.boot("linux61", "linux-image-amd64", List.of("preempt=full"), "probe-modes.sh");
        assertThat(out).isEqualTo(OUT);
        assertThat(read("kernel")).startsWith("6.1.");
    }

    private static String read(String file) throws IOException {
        return Files.readString(OUT.resolve(file), StandardCharsets.UTF_8);
    }

    /** A scenario's summary, after checking that it exited 0. */
    private static JsonNode summary(String scenario) throws IOException {
        assertThat(read(scenario + ".exit").strip()).as("%s exit; stderr: %s", scenario, read(scenario + ".err")).isEqualTo("0");
        return JSON.readTree(read(scenario + ".json"));
    }

    private static void assertPingPongMeasured(String scenario, String mode) throws IOException {
        JsonNode s = summary(scenario);
        System.err.printf("%s on 6.1: count %d, min %d, mean %.0f, max %d, unpaired %d%n", scenario, s.get("count").asLong(),
                s.get("min_ns").asLong(), s.get("mean_ns").asDouble(), s.get("max_ns").asLong(), s.get("unpaired").asLong());
        assertThat(s.get("probe").asText()).startsWith(mode + " (").contains("rcu_note_context_switch");
        assertThat(s.get("count").asLong()).isGreaterThanOrEqualTo(PINGPONG_SWITCHES);
        assertThat(s.get("min_ns").asLong()).isPositive();
        assertThat((double) s.get("min_ns").asLong()).isLessThanOrEqualTo(s.get("mean_ns").asDouble());
        assertThat(s.get("mean_ns").asDouble()).isLessThanOrEqualTo(s.get("max_ns").asLong());
        long binned = 0;
        for (JsonNode bin : s.get("histogram")) {
            binned += bin.get("count").asLong();
        }
        assertThat(binned).isEqualTo(s.get("count").asLong());
    }

    @Test
    void kprobeModeMeasuresThePingPong() throws IOException {
        assertPingPongMeasured("kprobe-pingpong", "kprobe");
    }

    @Test
    void fentryModeMeasuresThePingPong() throws IOException {
        assertPingPongMeasured("fentry-pingpong", "fentry");
    }

    /**
     * --by=cgroup on 6.1 with auto (kprobe): the ping-pong's two tasks share a cgroup, listed by its path with their
     * switches (less a few untimed) at least, and every switch is in a cgroup listed, the others or the overflow.
     */
    @Test
    void byCgroupListsThePingPongsCgroup() throws IOException {
        assertPingPongMeasured("auto-bycgroup-pingpong", "kprobe");
        JsonNode s = summary("auto-bycgroup-pingpong");
        JsonNode top = s.get("top_cgroups");
        System.err.printf("auto-bycgroup-pingpong on 6.1: count %d, top_cgroups %s, others %d, overflow %d%n", s.get("count").asLong(),
                top, s.get("other_cgroups_count").asLong(), s.get("cgroup_table_overflow").asLong());
        CgroupReport.assertEverySwitchInACgroup(s);
        assertThat(top).as("top_cgroups").isNotEmpty();
        assertThat(top.get(0).get("cgroup").asText()).as("the busiest cgroup's path").startsWith("/");
        assertThat(top.get(0).get("count").asLong()).as("the busiest cgroup holds the ping-pong's switches")
                .isGreaterThanOrEqualTo((long) (KindReport.SHARE * PINGPONG_SWITCHES));
    }

    /**
     * --comm on 6.1 in both modes: fentry reads B's name in place (task_comm_offset, from 6.1's BTF: the loads must pass
     * its verifier), kprobe copies it with bpf_get_current_comm(), which on 6.1 leaves the bytes after the NUL as they
     * were. --comm=sched-pipe (perf bench's name) keeps the ping-pong's switches and leaves the other tasks' out; its
     * prefix sched-pip keeps none, every switch into the ping-pong filtered out: the name's NUL is compared too. fentry
     * leaves some switches untimed, neither kept nor filtered (under preempt=full, a task preempted through the notrace
     * preempt_schedule(): 697 of the run's, count 3484, in the first run), so its bounds count those too.
     */
    @Test
    void commKeepsThePingPongByItsWholeNameInKprobeAndFentryModes() throws IOException {
        long pingPong = (long) (KindReport.SHARE * PINGPONG_SWITCHES);
        for (String mode : new String[] {"kprobe", "fentry"}) {
            JsonNode kept = summary("comm-" + mode + "-pingpong");
            JsonNode prefix = summary("comm-prefix-" + mode + "-pingpong");
            System.err.printf("--comm on 6.1, %s: sched-pipe kept %d, filtered %d, untimed %d; sched-pip kept %d, filtered %d, untimed %d%n",
                    mode, kept.get("count").asLong(), kept.get("filtered").asLong(), kept.get("untimed").asLong(),
                    prefix.get("count").asLong(), prefix.get("filtered").asLong(), prefix.get("untimed").asLong());
            assertThat(kept.get("probe").asText()).startsWith(mode + " (");
            assertThat(kept.get("filters").get("comm").asText()).isEqualTo("sched-pipe");
            assertThat(kept.get("count").asLong() + kept.get("untimed").asLong()).as("%s: the ping-pong's switches kept (or untimed)", mode)
                    .isGreaterThanOrEqualTo(pingPong);
            assertThat(kept.get("filtered").asLong()).as("%s: the other tasks' switches left out", mode).isPositive();
            assertThat(prefix.get("count").asLong()).as("%s: no task is named sched-pip", mode).isZero();
            assertThat(prefix.get("filtered").asLong() + prefix.get("untimed").asLong()).as("%s: the ping-pong's switches left out (or untimed)", mode)
                    .isGreaterThanOrEqualTo(pingPong);
        }
    }

    /** kprobe times every switch (its end, finish_task_switch, is every incoming task's first code); fentry does not. */
    @Test
    void autoPicksKprobeAndSaysWhyNotSchedTp() throws IOException {
        assertPingPongMeasured("auto-pingpong", "kprobe");
        assertThat(read("auto-pingpong.err")).contains("probe auto: using kprobe; not sched-tp: kernel 6.1")
                .contains("has no sched_entry_tp");
        assertThat(read("list-backends.txt"))
                .contains("libbpf    available   libbpf with kprobes on rcu_note_context_switch() and finish_task_switch() on kernel 6.1");
    }

    /**
     * A task that sleeps 50 ms enters schedule() and returns from it 50 ms later, with the idle task
     * in between: the original approach reports that as one switch. Ours ends a switch only in the
     * task sched_switch chose: the switch to idle, then (started when idle enters __schedule()) the
     * switch back, both short, both samples; the idle period between them is neither.
     */
    @Test
    void idlePeriodsAreNeverSamples() throws IOException {
        for (String mode : new String[] {"kprobe", "fentry"}) {
            Coverage.assertIdlePeriodsAreNotSamples(OUT, mode + "-sleeper", mode + "-sleeper on 6.1");
        }
    }

    /** The original approach (bpftrace's kprobe/kretprobe on schedule(), one start per CPU) on the same sleeper. */
    @Test
    void theOriginalApproachCountsTheSleepersIdlePeriods() throws IOException {
        Path original = OUT.resolve("original-sleeper.txt");
        if (!Files.exists(original)) {
            Jar.skip("bpftrace is missing on this machine (apt-get install bpftrace): the original approach did not run in the VM");
        }
        Matcher max = Pattern.compile("@max_ns: (\\d+)").matcher(Files.readString(original));
        assertThat(max.find()).as(Files.readString(original)).isTrue();
        System.err.println("the original approach on the same workload: max " + max.group(1) + " ns");
        assertThat(Long.parseLong(max.group(1))).as("the original approach counts the idle period").isGreaterThan(40_000_000L);
    }

    /** Debian 12's bpftrace (0.17) on kprobes, 20000 round trips; its recorded output replays to the same figures. */
    @Test
    void bpftrace017OnKprobesCountsThePingPong() throws Exception {
        if (!Files.exists(OUT.resolve("bpftrace-version"))) {
            Jar.skip("bpftrace is missing on this machine (apt-get install bpftrace): its Linux 6.1 run did not happen");
        }
        assertThat(read("bpftrace-version")).contains("v0.17");
        JsonNode s = summary("bpftrace-kprobe-pingpong");
        System.err.printf("bpftrace 0.17 kprobe on 6.1: count %d, min %d, mean %.0f, max %d, unpaired %d%n", s.get("count").asLong(),
                s.get("min_ns").asLong(), s.get("mean_ns").asDouble(), s.get("max_ns").asLong(), s.get("unpaired").asLong());
        assertThat(s.get("backend").asText()).isEqualTo("bpftrace");
        assertThat(s.get("probe").asText()).startsWith("kprobe in bpftrace (kprobe:rcu_note_context_switch in __schedule() -> kprobe:finish_task_switch");
        assertThat(s.get("count").asLong()).isGreaterThanOrEqualTo(2L * 20_000);
        assertThat(s.get("min_ns").asLong()).isPositive();
        assertThat((double) s.get("min_ns").asLong()).isLessThanOrEqualTo(s.get("mean_ns").asDouble());
        assertThat(s.get("mean_ns").asDouble()).isLessThanOrEqualTo(s.get("max_ns").asLong());
        Jar.Run replay = Jar.run("--replay=" + OUT.resolve("bpftrace-kprobe-pingpong.bpftrace"), "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        JsonNode r = JSON.readTree(replay.out());
        for (String field : new String[] {"count", "min_ns", "max_ns", "mean_ns", "p99_ns", "unpaired", "no_switch"}) {
            assertThat(r.get(field)).as(field).isEqualTo(s.get(field));
        }
    }

    /**
     * Issue 13's coverage test on 6.1 with preempt=full and, switched at run time, voluntary: auto
     * (kprobe) measures at least 99 % of each task's switches; fentry misses those into tasks that
     * had left through the notrace preempt_schedule(), and counts them as untimed. No mode invents one.
     */
    @Test
    void autoMeasuresEveryTasksSwitches() throws IOException {
        assertThat(read("preempt")).contains("(full)");
        for (String scenario : new String[] {"coverage-auto", "coverage-auto-voluntary"}) {
            Coverage c = Coverage.read(OUT, "6.1 " + (scenario.endsWith("voluntary") ? "voluntary" : "preempt=full"), scenario);
            System.err.print(c.table());
            assertThat(c.summary().get("probe").asText()).startsWith("kprobe (");
            c.assertEachTaskMeasured(0.99);
        }
        for (String scenario : new String[] {"coverage-fentry", "coverage-fentry-voluntary"}) {
            Coverage c = Coverage.read(OUT, "6.1 " + (scenario.endsWith("voluntary") ? "voluntary" : "preempt=full"), scenario);
            System.err.print(c.table());
            c.assertNothingInvented();
            assertThat(c.summary().get("untimed_no_start").asLong()).as("fentry's start sees every __schedule()")
                    .isLessThan(c.summary().get("count").asLong() / 100);
        }
    }

    /**
     * The restricted host's case: Debian 12's bpftrace 0.17 on the same load; auto (kprobe) also
     * measures 99 % of each task's switches. It did not while its once-a-second snapshot read the
     * histogram's hundreds of keys (98.5 %: see BpftraceScript.snapshotMaps).
     */
    @Test
    void bpftrace017MeasuresEveryTasksSwitches() throws IOException {
        if (!Files.exists(OUT.resolve("coverage-bpftrace-auto.exit"))) {
            Jar.skip("bpftrace is missing on this machine (apt-get install bpftrace): its coverage run did not happen");
        }
        Coverage auto = Coverage.read(OUT, "6.1 preempt=full, bpftrace 0.17", "coverage-bpftrace-auto");
        System.err.print(auto.table());
        assertThat(auto.summary().get("probe").asText()).startsWith("kprobe in bpftrace (");
        auto.assertEachTaskMeasured(0.99);
        Coverage fentry = Coverage.read(OUT, "6.1 preempt=full, bpftrace 0.17", "coverage-bpftrace-fentry");
        System.err.print(fentry.table());
        assertThat(fentry.summary().get("probe").asText()).startsWith("fentry in bpftrace (");
        fentry.assertNothingInvented();
    }

    /**
     * --by=kind and --slower (issue 15) in the kprobe and fentry modes, whose start is a probe on
     * rcu_note_context_switch() and whose kind and A's state come from their own sched_switch programs (note_kind
     * there, switch_kind_now at the end): one run each, --by=kind --slower=65536ns --per-cpu, of a pipe ping-pong
     * alone under preempt=full (coverage.sh with LOAD_ROLES, so the kernel's counts of the pair are read after
     * SIGSTOP and before ctxswitch stops). 6.1's __schedule() counts a switch voluntary exactly when it is no
     * preemption and A's state is not running, which is when the classification says blocked (or exit): so the
     * pair's voluntary switches bound blocked, its nonvoluntary ones preempted, each less what the mode said it left
     * untimed (fentry: switches into a task that had left through the notrace preempt_schedule()). The outliers are
     * SlowerIT's: printed + lost = the histogram from the threshold up, and each outlier's kind is its own switch's.
     * That last check failed now and then in fentry mode (1 outlier of 2,266 in one run) until its end programs, which
     * can be preempted halfway, read the switch once and checked that no start came in between (switch_ended).
     */
    @Test
    void byKindAndSlowerClassifyEachSwitchInKprobeAndFentryModes() throws Exception {
        for (String mode : new String[] {"kprobe", "fentry"}) {
            KindSlowerRun.read(OUT, "kind-slower-" + mode).assertClassified(mode, SLOWER_NS);
        }
    }

    /**
     * fentry's end programs can be preempted halfway (a BPF trampoline disables migration, not preemption), and under
     * the whole mixed load for 30 s they are, dozens of times a run: every outlier must still be of one switch, its kind
     * the one its own A, B and A's state make, with the kinds adding up and the outliers the histogram's. Before the
     * ends read the switch once and checked start_gen (switch_ended), 6 of 21,922 outliers in two such runs mixed two
     * switches; after, 0 of 20,650, the check firing 73 times.
     */
    @Test
    void fentryEndsPreemptedUnderTheMixedLoadDoNotMixTwoSwitches() throws Exception {
        assertThat(read("kind-slower-fentry-mixed.exit").strip()).as("stderr: %s", read("kind-slower-fentry-mixed.err")).isEqualTo("0");
        List<JsonNode> lines = KindReport.lines(JSON, read("kind-slower-fentry-mixed.json"));
        JsonNode summary = lines.get(lines.size() - 1);
        List<JsonNode> outliers = lines.subList(0, lines.size() - 1);
        assertThat(summary.get("probe").asText()).startsWith("fentry (");
        KindReport.assertKindsAddUp(summary);
        KindReport.assertOutliersAreTheSlowSwitches(summary, outliers, SLOWER_NS);
        outliers.forEach(KindReport::assertKindMatchesItsSwitch);
    }

    /** Nothing of ours stays attached: no BPF program, and the kernel survived every attach and detach. */
    @Test
    void nothingIsLeftAttached() throws IOException {
        if (read("programs-after").startsWith("bpftool missing")) {
            Jar.skip("bpftool is missing (apt-get install bpftool): the programs left in the VM cannot be listed");
        }
        assertThat(read("programs-after")).doesNotContain("ctxsw_");
    }
}
