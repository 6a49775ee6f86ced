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
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HungToolIT {
    /** The limit ctxswitch states for a tool's --version (PerfTool, BpftraceTool). */
    private static final Duration LIMIT = Duration.ofSeconds(30);
    /**
     * What ctxswitch adds to the limit, apart from its JVM: SIGTERM, SIGKILL a second later
     * (ChildProcess.TERM_GRACE), and at most 5 s for a killed process to die and 2 s for its output.
     */
    private static final Duration AFTER_THE_LIMIT = Duration.ofSeconds(8);

    /**
     * The most a run may take: the limit, what ctxswitch does after it, and three times what a JVM start
     * and exit of {@code ctxswitch --version} took just before, on this machine as busy as it is now (a
     * run loads more classes than --version; measured, not assumed, so that a loaded machine cannot fail
     * the test). Waiting for the stand-in itself takes 600 s.
     */
    private static Duration bound;

    @org.junit.jupiter.api.BeforeAll
    static void measureAStart() throws Exception {
        long t0 = System.nanoTime();
        Jar.Run version = Jar.start(List.of(), Map.of(), "--version").finish(300);
        Duration start = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(version.exit()).as(version.err()).isZero();
        bound = LIMIT.plus(AFTER_THE_LIMIT).plus(start.multipliedBy(3));
    }

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

    /** Runs ctxswitch, which must end with exit 3 and one line within {@link #bound}, leaving none of the stand-in's processes. */
    private Jar.Run timed(String... args) throws Exception {
        long t0 = System.nanoTime();
        Jar.Run run = Jar.start(List.of(), Map.of(), args).finish((int) bound.toSeconds() * 3);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as(run.err()).isGreaterThanOrEqualTo(LIMIT).isLessThan(bound);
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        StandInPids.assertNoneRuns(StandInPids.read(dir.resolve("pids")));
        return run;
    }
}
