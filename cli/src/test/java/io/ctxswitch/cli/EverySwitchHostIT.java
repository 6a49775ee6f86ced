package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13's coverage test on this machine's kernel (sched-tp, 6.15 and later): what the VMs check
 * for fentry and kprobe must not regress here. Every task of the mixed load has each of its switches
 * measured (the kernel's voluntary + nonvoluntary count out of it, read once it is stopped).
 */
class EverySwitchHostIT {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void autoMeasuresEveryTasksSwitchesHere() throws Exception {
        LiveHost.assumeSchedTpCapable();
        if (!KernelVm.onPath("gcc") || !KernelVm.onPath("taskset")) {
            Jar.skip("coverage test: gcc or taskset is missing (apt-get install gcc util-linux)");
        }
        Path out = Path.of("target", "every-switch-host").toAbsolutePath();
        Files.createDirectories(out);
        ProcessBuilder coverage = new ProcessBuilder("sh", Jar.ROOT.resolve("cli/src/test/vm/coverage.sh").toString(),
                "coverage-auto", "auto", "5").redirectErrorStream(true).redirectOutput(out.resolve("coverage.log").toFile());
        coverage.environment().put("CTXSWITCH_JAR", Jar.JAR.toString());
        coverage.environment().put("CTXSWITCH_LOAD", MixedLoad.build().toString());
        coverage.environment().put("OUT", out.toString());
        Process p = coverage.start();
        assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("coverage.sh finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(out.resolve("coverage.log"))).isZero();
        Coverage c = Coverage.read(out, "this machine's " + Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                "coverage-auto");
        System.err.print(c.table());
        assertThat(c.summary().get("probe").asText()).startsWith("sched-tp (");
        c.assertEachTaskMeasured(0.99);
        assertThat(c.summary().get("untimed").asLong()).isZero();
    }
}
