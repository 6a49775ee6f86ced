package io.ctxswitch.core.host;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one way ctxswitch runs another program (perf, bpftrace, perf script, mkfifo): without a shell,
 * its standard input from /dev/null (or a pipe from us, when asked), and ended by ctxswitch only, together with everything it
 * started. Its command line goes through util-linux's tools where they exist (each execs the next,
 * so the child keeps its pid):
 * <ul>
 * <li>{@code setpriv --pdeathsig TERM}: the child gets SIGTERM if ctxswitch dies without stopping
 * it (kill -9), so that it never traces on alone;</li>
 * <li>{@code setsid}: the child leaves the terminal's process group, so a Ctrl+C reaches ctxswitch
 * only. Otherwise perf or bpftrace would take it too and might exit before ctxswitch stops it,
 * which would look like a child that died.</li>
 * </ul>
 * Its environment carries a mark of its own, which whatever it starts inherits: ending a child ends
 * every process carrying the mark, in its session or not. A shell that dies of SIGTERM leaves its
 * {@code sleep} running, holding the output pipe open, and a reader waiting for that pipe's end would
 * wait as long; a pid or process group number could meanwhile name someone else's process (pids
 * are reused), a mark read from the process's own environment cannot.
 * <p>
 * Standard error is pumped on a thread into a bounded buffer, so a child that writes much never
 * blocks on it. Short commands ({@link Builder#run}) have a deadline covering the whole run, their
 * output included: at the deadline they get SIGTERM, then SIGKILL {@link #TERM_GRACE} later.
 */
public final class ChildProcess implements AutoCloseable {
    /** Between SIGTERM and SIGKILL, for a child that ran out of time or is closed. */
    public static final Duration TERM_GRACE = Duration.ofSeconds(1);
    /** After SIGKILL: a process in an uninterruptible wait dies only when that wait ends. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /** After the child's exit, for its output's last bytes to reach the pump. */
    private static final Duration OUTPUT_WAIT = Duration.ofSeconds(2);
    /** Of each output stream, kept for messages; the rest is read and dropped. */
    private static final int KEPT = 1 << 16;
    private static final String MARK = "CTXSWITCH_CHILD";
    private static final Path PROC = Path.of("/proc");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Process process;
    private final byte[] mark;
    private final Pump stderr;
    private final Pump merged;

    private ChildProcess(Process process, byte[] mark, boolean mergedOutput) {
        this.process = process;
        this.mark = mark;
        if (mergedOutput) {
            this.merged = new Pump(process.getInputStream(), "ctxswitch-child-out-" + process.pid());
            this.stderr = null;
        } else {
            this.merged = null;
            this.stderr = new Pump(process.getErrorStream(), "ctxswitch-child-err-" + process.pid());
        }
    }

    /** A child running {@code command} (the program, then its arguments). */
    public static Builder command(List<String> command) {
        return new Builder(command);
    }

    public static Builder command(String... command) {
        return new Builder(List.of(command));
    }

    /** What a short command did: it finished with {@code status}, or ran out of time; what it printed either way. */
    public record Outcome(boolean finished, int status, String output) {
        public boolean succeeded() {
            return finished && status == 0;
        }
    }

    /** How a child is to be run, then {@link #start} or {@link #run} it. */
    public static final class Builder {
        private final List<String> command;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path stdoutFile;
        private boolean stdinPipe;

        private Builder(List<String> command) {
            this.command = List.copyOf(command);
        }

        /** Sets {@code name} in the child's environment (which is otherwise ours). */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** Its standard output into {@code file} instead of a pipe to us. */
        public Builder stdoutTo(Path file) {
            stdoutFile = file;
            return this;
        }

        /**
         * Its standard input a pipe from us ({@link #stdin()}) instead of /dev/null: for a child that
         * reads what another child writes (perf script reading perf record's stream). Only with
         * {@link #start}.
         */
        public Builder stdinPipe() {
            stdinPipe = true;
            return this;
        }

        /**
         * Starts it: its standard output is {@link #stdout()} (or the file), its standard error
         * pumped into {@link #stderr()}. The caller stops or closes it.
         */
        public ChildProcess start() throws IOException {
            return launch(false);
        }

        /**
         * Runs it to its end, or until {@code limit} has passed since now: then it and all it started
         * get SIGTERM, and SIGKILL {@link #TERM_GRACE} later. Returns what it printed (standard output
         * and error as they came, the first 64 KiB) within the limit plus that grace, plus a few
         * seconds more only if a killed process cannot die at once (an uninterruptible wait) or a
         * process without the mark (one that cleared its environment) holds the output open.
         */
        public Outcome run(Duration limit) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            if (stdinPipe) {
                throw new IllegalStateException("a command run to its end reads /dev/null");
            }
            ChildProcess child = launch(true);
            try {
                boolean exited = child.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                child.endMarked(TERM_GRACE); // what is left: all of it, or strays holding the output open
                if (!exited) {
                    child.process.waitFor(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS);
                }
                String output = child.merged.awaitText(OUTPUT_WAIT);
                return exited ? new Outcome(true, child.process.exitValue(), output) : new Outcome(false, -1, output);
            } catch (InterruptedException e) {
                child.close();
                throw e;
            }
        }

        private ChildProcess launch(boolean mergedOutput) throws IOException {
            List<String> wrapped = new ArrayList<>();
            if (Files.isExecutable(SETPRIV)) {
                wrapped.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
            }
            if (Files.isExecutable(SETSID)) {
                wrapped.add(SETSID.toString());
            }
            wrapped.addAll(command);
            String markValue = UUID.randomUUID().toString();
            ProcessBuilder builder = new ProcessBuilder(wrapped).redirectInput(stdinPipe ? ProcessBuilder.Redirect.PIPE
                    : ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(mergedOutput);
            if (stdoutFile != null) {
                builder.redirectOutput(stdoutFile.toFile());
            }
            builder.environment().putAll(environment);
            builder.environment().put(MARK, markValue);
            byte[] mark = (MARK + "=" + markValue + "\0").getBytes(StandardCharsets.US_ASCII);
            return new ChildProcess(builder.start(), mark, mergedOutput);
        }
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Its standard input, when started with {@link Builder#stdinPipe}: closing it is the end of its
     * input. A write after the child has exited fails with an IOException (EPIPE), never a signal.
     */
    public java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Its standard output, when it goes to us (not to a file). */
    public InputStream stdout() {
        return process.getInputStream();
    }

    /**
     * What it wrote on standard error (the first 64 KiB): so far while it runs; all of it once it has
     * exited, waiting a little for the last bytes.
     */
    public String stderr() {
        return process.isAlive() ? stderr.text() : stderr.awaitText(OUTPUT_WAIT);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public CompletableFuture<?> onExit() {
        return process.onExit();
    }

    /** Its exit status, 128 + N if signal N ended it; only once it has exited. */
    public int exitStatus() {
        return process.exitValue();
    }

    /** Waits at most {@code limit} for it to exit; true if it did. */
    public boolean waitFor(Duration limit) throws InterruptedException {
        return process.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Asks it to end with SIGTERM, waits at most {@code grace}, then ends it and all it started with
     * SIGKILL; whatever it started and left behind is ended too. The SIGTERM goes through the process
     * handle: Process.destroy() would also close our end of its pipes, and a tracer that prints its
     * figures when stopped (bpftrace) would then die of SIGPIPE. True if it exited within the grace.
     */
    public boolean stop(Duration grace) {
        if (process.isAlive()) {
            process.toHandle().destroy();
        }
        boolean exited;
        try {
            exited = waitFor(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = false;
        }
        endMarked(exited ? TERM_GRACE : Duration.ZERO);
        try {
            waitFor(KILL_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exited;
    }

    /** Ends it if it still runs (SIGTERM, SIGKILL {@link #TERM_GRACE} later), and all it started. */
    @Override
    public void close() {
        stop(TERM_GRACE);
    }

    /**
     * SIGTERM to every process carrying this child's mark, then, after {@code grace}, SIGKILL to
     * those still running (again to any started meanwhile); returns once none runs, or
     * {@link #KILL_WAIT} after the first SIGKILL (a process in an uninterruptible wait dies later).
     * Polled: nothing tells us when a process that is not our child ends.
     */
    private void endMarked(Duration grace) {
        List<ProcessHandle> marked = marked();
        if (!marked.isEmpty() && !grace.isZero()) {
            marked.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            while (!marked.isEmpty() && System.nanoTime() < deadline && pause()) {
                marked = marked();
            }
        }
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (!marked.isEmpty()) {
            marked.forEach(ProcessHandle::destroyForcibly);
            if (System.nanoTime() >= deadline || !pause()) {
                return;
            }
            marked = marked();
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(10);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The processes that carry this child's mark in their environment and still run (a zombie's
     * environment reads empty). The handle is taken before the environment is read: it holds the
     * process's start time, so should the pid meanwhile name another process, a signal through it
     * reaches nobody.
     */
    private List<ProcessHandle> marked() {
        List<ProcessHandle> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                long pid = pidOf(entry.getFileName().toString());
                if (pid <= 0 || pid == self) {
                    continue;
                }
                Optional<ProcessHandle> handle = ProcessHandle.of(pid);
                if (handle.isPresent() && carriesMark(entry.resolve("environ"))) {
                    found.add(handle.get());
                }
            }
        } catch (IOException e) {
            // no /proc to read: the child itself at least, below
        }
        if (process.isAlive() && found.stream().noneMatch(p -> p.pid() == process.pid())) {
            found.add(process.toHandle()); // its environment could not be read: it is ours all the same
        }
        return found;
    }

    private static long pidOf(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return name.isEmpty() ? -1 : Long.parseLong(name);
    }

    private boolean carriesMark(Path environ) {
        byte[] env;
        try {
            env = Files.readAllBytes(environ);
        } catch (IOException e) {
            return false; // gone, or not ours to read
        }
        outer:
        for (int i = 0; i + mark.length <= env.length; i++) {
            if (i > 0 && env[i - 1] != 0) {
                continue; // only at the start of a variable
            }
            for (int j = 0; j < mark.length; j++) {
                if (env[i + j] != mark[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Reads a stream to its end on a thread of its own, keeping the first {@link #KEPT} bytes. */
    private static final class Pump {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;

        Pump(InputStream in, String name) {
            thread = new Thread(() -> pump(in), name);
            thread.setDaemon(true); // one blocked on a pipe that a stray holds open must not keep the JVM alive
            thread.start();
        }

        private void pump(InputStream in) {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    synchronized (kept) {
                        kept.write(buffer, 0, Math.max(0, Math.min(n, KEPT - kept.size())));
                    }
                }
            } catch (IOException e) {
                // the stream ended with the process; what came before is kept
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }

        String awaitText(Duration limit) {
            try {
                thread.join(Math.max(1, limit.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return text();
        }
    }
}
