package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 13's checks on one Debian kernel without sched_entry_tp, in one boot (src/test/vm/every-switch.sh):
 * the coverage test with auto and with fentry, and a task that wakes every 50 ms on an idle CPU.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EverySwitchVm {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path out;

    /** Debian's package of the kernel. */
    abstract String kernelPackage();

    /** How the tests call it, and its results directory under target/. */
    abstract String name();

    /** What {@code uname -r} starts with there. */
    abstract String release();

    @BeforeAll
    void boot() throws Exception {
        out = KernelVm.boot(name(), kernelPackage(), List.of(), "every-switch.sh");
        assertThat(Files.readString(out.resolve("kernel"))).startsWith(release());
        System.err.println(name() + ": preemption " + Files.readString(out.resolve("preempt")).strip());
    }

    /** auto takes kprobe (it times every switch) and measures at least 99 % of every task's switches. */
    @Test
    void autoMeasuresEveryTasksSwitches() throws IOException {
        Coverage c = Coverage.read(out, name(), "coverage-auto");
        System.err.print(c.table());
        assertThat(c.summary().get("probe").asText()).startsWith("kprobe (");
        c.assertEachTaskMeasured(0.99);
    }

    /** fentry starts at every __schedule() too; what it cannot end is untimed, never invented. */
    @Test
    void fentryInventsNothing() throws IOException {
        Coverage c = Coverage.read(out, name(), "coverage-fentry");
        System.err.print(c.table());
        assertThat(c.summary().get("probe").asText()).startsWith("fentry (");
        c.assertNothingInvented();
        assertThat(c.summary().get("untimed_no_start").asLong()).as("fentry's start sees every __schedule()")
                .isLessThan(c.summary().get("count").asLong() / 100);
    }

    /** Debian 12's bpftrace 0.17, which runs on these kernels too: auto (kprobe) measures 99 % of each task's switches. */
    @Test
    void bpftraceMeasuresEveryTasksSwitches() throws IOException {
        if (!Files.exists(out.resolve("coverage-bpftrace-auto.exit"))) {
            Jar.skip("bpftrace is missing on this machine (apt-get install bpftrace): its coverage run did not happen");
        }
        Coverage c = Coverage.read(out, name() + ", bpftrace", "coverage-bpftrace-auto");
        System.err.print(c.table());
        assertThat(c.summary().get("probe").asText()).startsWith("kprobe in bpftrace (");
        c.assertEachTaskMeasured(0.99);
    }

    /** Both switches of each wake-up are samples, and the 50 ms of idle between them is none. */
    @Test
    void idlePeriodsAreNeverSamples() throws IOException {
        assertThat(Files.readString(out.resolve("auto-sleeper.exit")).strip()).as(Files.readString(out.resolve("auto-sleeper.err")))
                .isEqualTo("0");
        JsonNode s = JSON.readTree(Files.readString(out.resolve("auto-sleeper.json")));
        System.err.printf("auto-sleeper on %s: count %d, max %d ns, untimed %d%n", name(), s.get("count").asLong(),
                s.get("max_ns").asLong(), s.get("untimed").asLong());
        assertThat(s.get("count").asLong()).as("to idle and back at each of the 60 wake-ups").isGreaterThanOrEqualTo(2 * 60);
        assertThat(s.get("max_ns").asLong()).isLessThan(10_000_000L);
    }

    @Test
    void nothingIsLeftAttached() throws IOException {
        String programs = Files.readString(out.resolve("programs-after"));
        if (programs.startsWith("bpftool missing")) {
            Jar.skip("bpftool is missing (apt-get install bpftool): the programs left in the VM cannot be listed");
        }
        assertThat(programs).doesNotContain("ctxsw_");
    }
}
