package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The schedule() probe modes on a real Linux 6.1 (Debian 12's kernel), booted under QEMU by
 * vm/linux61.sh with this machine's root shared read-only; the jar under test runs inside.
 * One boot runs every scenario of src/test/vm/probe-modes.sh; the tests read what it left.
 */
class Linux61IT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path OUT = Path.of("target/linux61").toAbsolutePath();
    private static final int PINGPONG_SWITCHES = 2 * 2_000; // perf bench sched pipe -l 2000: two switches a round trip

    @BeforeAll
    @Timeout(value = 32, unit = TimeUnit.MINUTES) // the VM's own limit below, and reading what it left
    static void bootLinux61AndRunTheScenarios() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("Linux 6.1 VM test: not running as root (9p shares the whole root)");
        }
        if (!Jar.onPath("qemu-system-x86_64")) {
            Jar.skip("Linux 6.1 VM test: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)");
        }
        Files.createDirectories(OUT);
        Path wrapper = OUT.resolveSibling("linux61-run.sh");
        Files.writeString(wrapper, "export CTXSWITCH_JAR=" + Jar.JAR + "\nexec /bin/sh "
                + Jar.ROOT.resolve("cli/src/test/vm/probe-modes.sh") + "\n");
        Process vm = new ProcessBuilder(Jar.ROOT.resolve("vm/linux61.sh").toString(), wrapper.toString(), OUT.toString())
                .redirectErrorStream(true).redirectOutput(OUT.resolveSibling("linux61.log").toFile()).start();
        if (!vm.waitFor(30, TimeUnit.MINUTES)) {
            vm.destroyForcibly();
            throw new AssertionError("the Linux 6.1 VM did not finish within 30 minutes");
        }
        String log = Files.readString(OUT.resolveSibling("linux61.log"));
        System.err.print(log);
        assertThat(vm.exitValue()).as("vm/linux61.sh: %s", log).isZero();
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
        assertThat(s.get("probe").asText()).startsWith(mode + " (").contains("not seen: preemptions");
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

    @Test
    void autoPicksFentryAndSaysWhyNotSchedTp() throws IOException {
        assertPingPongMeasured("auto-pingpong", "fentry");
        assertThat(read("auto-pingpong.err")).contains("probe auto: using fentry; not sched-tp: kernel 6.1")
                .contains("has no sched_entry_tp");
        assertThat(read("list-backends.txt")).contains("libbpf    available   libbpf with fentry/fexit on schedule() on kernel 6.1");
    }

    /**
     * A task that sleeps 50 ms enters schedule() and returns from it 50 ms later, with the idle task
     * in between: the original approach reports that as one switch. Ours pairs the entry with the
     * task sched_switch chose (idle, which never returns from schedule()), so it never becomes a sample.
     */
    @Test
    void idlePeriodsAreNeverSamples() throws IOException {
        for (String mode : new String[] {"kprobe", "fentry"}) {
            JsonNode s = summary(mode + "-sleeper");
            System.err.printf("%s-sleeper on 6.1: count %d, max %d ns, unpaired %d%n", mode, s.get("count").asLong(),
                    s.get("max_ns").asLong(), s.get("unpaired").asLong());
            assertThat(s.get("unpaired").asLong()).as("the sleeper's returns after idle").isGreaterThanOrEqualTo(50);
            if (s.get("count").asLong() > 0) {
                assertThat(s.get("max_ns").asLong()).as(mode + " max").isLessThan(10_000_000L);
            }
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
        assertThat(s.get("probe").asText()).startsWith("kprobe in bpftrace (kprobe:schedule -> kprobe:finish_task_switch");
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

    /** Nothing of ours stays attached: no BPF program, and the kernel survived every attach and detach. */
    @Test
    void nothingIsLeftAttached() throws IOException {
        if (read("programs-after").startsWith("bpftool missing")) {
            Jar.skip("bpftool is missing (apt-get install bpftool): the programs left in the VM cannot be listed");
        }
        assertThat(read("programs-after")).doesNotContain("ctxsw_");
    }
}
