package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.testing.StandIn;
import io.ctxswitch.core.testing.StandInPids;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A perf or bpftrace that hangs when asked its version (a broken install, a wrapper waiting on
 * something) makes ctxswitch give up within the limit it states, with one line and exit 3, and
 * leaves nothing of the stand-in running. Stand-ins are shell scripts that start a {@code sleep} of
 * their own, as a wrapper script would: killing the script alone would leave the sleep holding its
 * output open.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HungToolIT {
    /** The limit ctxswitch states for a tool's --version (PerfTool, BpftraceTool). */
    private static final Duration LIMIT = Duration.ofSeconds(10);
    /**
     * The most a run may take: the limit, and the limit again for the second between SIGTERM and
     * SIGKILL, the JVM's start and exit on a busy machine. Waiting for the stand-in takes 600 s.
     */
    private static final Duration BOUND = LIMIT.multipliedBy(2);

    @TempDir
    Path dir;

    private Path fake(String name, String onVersion) throws IOException {
        return StandIn.write(dir.resolve(name), "#!/bin/sh\nif [ \"$1\" = --version ]; then\n" + onVersion + "\nsleep 600 & echo $$ $! > " + dir.resolve("pids")
                + "\nwait\nfi\nexit 1\n");
    }

    /** Should ctxswitch have failed to end them, the test ends what it started. */
    @AfterEach
    void endTheStandIns() throws IOException {
        Path pids = dir.resolve("pids");
        if (Files.exists(pids)) {
            for (long pid : StandInPids.read(pids)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aPerfThatNeverAnswersItsVersionIsGivenUpOnWithinTheLimit() throws Exception {
        Path fake = fake("perf", ":");
        Jar.Run run = timed("--backend=perf", "--perf=" + fake, "--duration=1s");
        assertThat(run.err().strip()).isEqualTo("ctxswitch: perf does not answer: '" + fake + " --version' did not end within "
                + LIMIT.toSeconds() + " s; install it with 'apt-get install linux-perf' (Ubuntu: linux-tools-$(uname -r))"
                + " or name it with --perf=PATH");
    }

    /** Its version printed, then silence with the output left open: reading to the end would wait for ever. */
    @Test
    void aBpftraceThatSaysItsVersionButNeverEndsIsGivenUpOnWithinTheLimit() throws Exception {
        Path fake = fake("bpftrace", "echo 'bpftrace v0.23.2'");
        Jar.Run run = timed("--backend=bpftrace", "--bpftrace=" + fake, "--duration=1s");
        assertThat(run.err().strip()).isEqualTo("ctxswitch: bpftrace does not answer: '" + fake + " --version' did not end within "
                + LIMIT.toSeconds() + " s; install it with 'apt-get install bpftrace' or name it with --bpftrace=PATH");
    }

    /** Runs ctxswitch, which must end with exit 3 and one line within {@link #BOUND}, leaving none of the stand-in's processes. */
    private Jar.Run timed(String... args) throws Exception {
        long t0 = System.nanoTime();
        Jar.Run run = Jar.start(List.of(), Map.of(), args).finish((int) BOUND.toSeconds() * 3);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as(run.err()).isGreaterThanOrEqualTo(LIMIT).isLessThan(BOUND);
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        StandInPids.assertNoneRuns(StandInPids.read(dir.resolve("pids")));
        return run;
    }
}
