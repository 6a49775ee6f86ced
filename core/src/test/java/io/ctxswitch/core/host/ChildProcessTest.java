package io.ctxswitch.core.host;

import static io.ctxswitch.core.testing.StandInPids.assertNoneRuns;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.testing.StandInPids;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children that misbehave, as shell scripts: ones that hang, never print, ignore SIGTERM, print a
 * lot, or leave a process of their own holding the output open. Each bounded wait must end within
 * its limit (the margins below are stated in terms of the limit and the SIGTERM grace, not of this
 * machine's speed: what they exclude is waiting for the child, which would take its 600 s), and
 * nothing the child started may still run afterwards. The timeout runs the test on a thread of its
 * own: a test blocked in a read that cannot be interrupted must still fail, not hang the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChildProcessTest {
    /** Long enough for a script to start its children and say their pids on a busy machine. */
    private static final Duration LIMIT = Duration.ofSeconds(3);
    /** The longest a bounded wait may take: the limit, the grace between SIGTERM and SIGKILL, and the limit again as slack. */
    private static final Duration BOUND = LIMIT.plus(ChildProcess.TERM_GRACE).plus(LIMIT);

    @TempDir
    Path dir;

    private Path pids() {
        return dir.resolve("pids");
    }

    /** sh -c SCRIPT; SCRIPT can write pids to $PIDS. */
    private ChildProcess.Builder sh(String script) {
        return ChildProcess.command("/bin/sh", "-c", script).environment("PIDS", pids().toString());
    }

    /** A bounded run's outcome and how long the wait took. */
    private record Timed(ChildProcess.Outcome outcome, Duration took) {
    }

    private Timed run(String script, Duration limit) throws Exception {
        long t0 = System.nanoTime();
        ChildProcess.Outcome outcome = sh(script).run(limit);
        return new Timed(outcome, Duration.ofNanos(System.nanoTime() - t0));
    }

    @Test
    void aChildThatHangsWithoutPrintingIsEndedAtItsLimitWithAllItStarted() throws Exception {
        Timed run = run("sleep 600 & echo $$ $! > \"$PIDS\"; wait", LIMIT);
        assertThat(run.outcome().finished()).isFalse();
        assertThat(run.outcome().output()).isEmpty();
        assertThat(run.took()).isGreaterThanOrEqualTo(LIMIT).isLessThan(BOUND);
        assertNoneRuns(readPids());
    }

    @Test
    void aChildThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        Timed run = run("trap '' TERM; echo started; sleep 600 & echo $$ $! > \"$PIDS\"; wait; wait", LIMIT);
        assertThat(run.outcome().finished()).isFalse();
        assertThat(run.outcome().output()).isEqualTo("started\n");
        assertThat(run.took()).as("SIGTERM was ignored: only SIGKILL, after the grace, ends it")
                .isGreaterThanOrEqualTo(LIMIT.plus(ChildProcess.TERM_GRACE)).isLessThan(BOUND);
        assertNoneRuns(readPids());
    }

    @Test
    void aChildThatClosesItsOutputAndRunsOnIsEndedAtItsLimit() throws Exception {
        Timed run = run("echo $$ > \"$PIDS\"; exec >&- 2>&-; exec sleep 600", LIMIT);
        assertThat(run.outcome().finished()).isFalse();
        assertThat(run.took()).isGreaterThanOrEqualTo(LIMIT).isLessThan(BOUND);
        assertNoneRuns(readPids());
    }

    /** A stray holding the pipe open would otherwise keep a reader waiting for its end as long as the stray lives. */
    @Test
    void aChildThatExitsLeavingAStrayOnItsOutputFinishesWithoutWaitingForTheStray() throws Exception {
        Duration generous = Duration.ofSeconds(60);
        Timed run = run("sleep 600 & echo $! > \"$PIDS\"; echo version 1.2; exit 0", generous);
        assertThat(run.outcome().succeeded()).isTrue();
        assertThat(run.outcome().output()).isEqualTo("version 1.2\n");
        assertThat(run.took()).as("the stray's SIGTERM, not the limit, ended the wait").isLessThan(generous.dividedBy(2));
        assertNoneRuns(readPids());
    }

    @Test
    void muchOutputNeitherBlocksTheChildNorFillsMemory() throws Exception {
        // 20 MB: far past a pipe's buffer, so a child whose output were not read would block
        ChildProcess.Outcome outcome = sh("head -c 20000000 /dev/zero | tr '\\0' x; echo; echo on stderr >&2; exit 3").run(Duration.ofSeconds(60));
        assertThat(outcome.finished()).isTrue();
        assertThat(outcome.status()).isEqualTo(3);
        assertThat(outcome.output()).hasSize(1 << 16).matches("x+");
    }

    @Test
    void standardErrorIsKeptAndTheExitStatusSaysTheSignal() throws Exception {
        try (ChildProcess child = sh("echo 'ERROR: no such probe' >&2; kill -9 $$").start()) {
            assertThat(child.waitFor(BOUND)).isTrue();
            assertThat(child.exitStatus()).isEqualTo(128 + 9);
            assertThat(child.stderr()).isEqualTo("ERROR: no such probe\n");
        }
    }

    /**
     * SIGTERM reaches the child while our end of its output stays open: a tracer that prints its
     * figures when stopped (bpftrace) must not die of SIGPIPE on the way.
     */
    @Test
    void stopLetsTheChildPrintItsLastWordsOnItsOutput() throws Exception {
        try (ChildProcess child = sh("trap 'echo figures; exit 0' TERM; echo ready; while :; do sleep 0.1; done").start()) {
            byte[] ready = child.stdout().readNBytes("ready\n".length());
            assertThat(new String(ready, StandardCharsets.US_ASCII)).isEqualTo("ready\n");
            assertThat(child.stop(Duration.ofSeconds(30))).isTrue();
            assertThat(new String(child.stdout().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("figures\n");
            assertThat(child.exitStatus()).isZero();
        }
    }

    @Test
    void stopKillsAChildThatIgnoresSigtermAfterItsGraceAndAllItStarted() throws Exception {
        Duration grace = Duration.ofSeconds(2);
        try (ChildProcess child = sh("trap '' TERM; sleep 600 & echo $$ $! > \"$PIDS\"; echo ready; wait; wait").start()) {
            assertThat(new String(child.stdout().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("ready\n");
            long t0 = System.nanoTime();
            assertThat(child.stop(grace)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(grace).isLessThan(grace.multipliedBy(3));
            assertThat(child.isAlive()).isFalse();
            assertThat(child.exitStatus()).isEqualTo(128 + 9);
            assertNoneRuns(readPids());
        }
    }

    @Test
    void closeEndsAChildAndWhatItStartedEvenOutsideItsSession() throws Exception {
        List<Long> pids;
        try (ChildProcess child = sh("setsid sleep 600 & sleep 600 & echo $$ $! > \"$PIDS\"; echo ready; wait").start()) {
            assertThat(new String(child.stdout().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("ready\n");
            pids = readPids();
            assertThat(pids).allMatch(StandInPids::runs);
        }
        assertNoneRuns(pids);
    }

    @Test
    void itsOutputCanGoToAFileAndItsEnvironmentIsOursPlusWhatWasSet() throws Exception {
        Path out = dir.resolve("out");
        try (ChildProcess child = ChildProcess.command("/bin/sh", "-c", "echo \"$GREETING $HOME\"").environment("GREETING", "hello")
                .stdoutTo(out).start()) {
            assertThat(child.waitFor(BOUND)).isTrue();
            assertThat(child.exitStatus()).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("hello " + System.getenv("HOME") + "\n");
    }

    /** It runs in a session of its own (a Ctrl+C on the terminal does not reach it), and keeps its pid through the wrapping. */
    @Test
    void theChildLeadsASessionOfItsOwn() throws Exception {
        try (ChildProcess child = sh("echo $$; sleep 600").start()) {
            String said = new String(child.stdout().readNBytes(Long.toString(child.pid()).length() + 1), StandardCharsets.US_ASCII);
            assertThat(said.strip()).isEqualTo(Long.toString(child.pid()));
            String stat = Files.readString(Path.of("/proc", said.strip(), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(fields[3]).as("session id").isEqualTo(said.strip());
        }
    }

    /** Without a pipe asked for, it reads /dev/null (at once its end); with one, what we write, until we close it. */
    @Test
    void itsInputIsDevNullOrAPipeFromUs() throws Exception {
        try (ChildProcess child = ChildProcess.command("/bin/cat").start()) {
            assertThat(child.stdout().readAllBytes()).isEmpty();
            assertThat(child.waitFor(BOUND)).isTrue();
        }
        try (ChildProcess child = ChildProcess.command("/usr/bin/tr", "a-z", "A-Z").stdinPipe().start()) {
            child.stdin().write("perf record -o -\n".getBytes(StandardCharsets.US_ASCII));
            child.stdin().close();
            assertThat(new String(child.stdout().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("PERF RECORD -O -\n");
            assertThat(child.waitFor(BOUND)).isTrue();
            assertThat(child.exitStatus()).isZero();
        }
    }

    private List<Long> readPids() throws IOException {
        return StandInPids.read(pids());
    }
}
