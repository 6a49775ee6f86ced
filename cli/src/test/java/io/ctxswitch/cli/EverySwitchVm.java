package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13's checks on one Debian kernel without sched_entry_tp, in one boot (src/test/vm/every-switch.sh):
 * the coverage test with auto and with fentry, and a task that wakes every 50 ms on an idle CPU.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EverySwitchVm {
    private Path out;

    /** Debian's package of the kernel. */
    abstract String kernelPackage();

    /** How the tests call it, and its results directory under target/. */
    abstract String name();

    /** What {@code uname -r} starts with there. */
    abstract String release();

    @BeforeAll
    @Timeout(value = 32, unit = TimeUnit.MINUTES) // KernelVm.boot's own limit (30 min), and reading what it left
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

    /** Debian 12's bpftrace 0.17, which runs on these kernels too: auto (kprobe) also measures 99 % of each task's switches. */
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

    /**
     * A task waking every 50 ms on an otherwise idle CPU: each switch into it is a sample (about 80
     * in 4 s), none of them near 50 ms, and no sample of the run near 50 ms: the idle period between
     * two wake-ups is never taken for a switch.
     */
    @Test
    void idlePeriodsAreNeverSamples() throws IOException {
        Coverage.assertIdlePeriodsAreNotSamples(out, "auto-sleeper", "auto-sleeper on " + name());
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
