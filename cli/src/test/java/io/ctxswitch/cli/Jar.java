package io.ctxswitch.cli;

import io.ctxswitch.core.testing.LiveTestSkip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Runs cli/target/ctxswitch.jar in a child JVM, as a user would, with output captured in files. */
final class Jar {
    /** The jar under test; CTXSWITCH_TEST_JAR names a copy (the soak test's, so that rebuilding meanwhile is safe). */
    static final Path JAR = Path.of(System.getenv().getOrDefault("CTXSWITCH_TEST_JAR",
            System.getProperty("ctxswitch.jar", "target/ctxswitch.jar"))).toAbsolutePath();
    static final Path ROOT = Path.of(System.getProperty("ctxswitch.root", "..")).toAbsolutePath().normalize();

    /** A finished run. */
    record Run(int exit, String out, String err) {
    }

    /** A run in progress. */
    static final class Running {
        final Process process;
        final Path out;
        final Path err;
        /** In the environment of the run and of every process it starts: how a test finds what this run left. */
        private final String marker;

        Running(Process process, Path out, Path err, String marker) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.marker = marker;
        }

        /**
         * Live processes that this run started (perf, bpftrace, a shell...), found by the marker in their
         * environment, which they keep when their parent dies: only this run's, whatever else runs here.
         */
        List<ProcessHandle> started(String commandContains) {
            return ProcessHandle.allProcesses().filter(p -> p.pid() != process.pid() && p.isAlive())
                    .filter(p -> p.info().commandLine().orElse("").contains(commandContains))
                    .filter(p -> owns(p.pid())).toList();
        }

        /** True if process {@code pid} is this run's ctxswitch or one that it started. */
        boolean owns(long pid) {
            if (pid == process.pid()) {
                return true;
            }
            try {
                return contains(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")),
                        (MARKER + "=" + marker).getBytes(StandardCharsets.UTF_8));
            } catch (IOException gone) {
                return false;
            }
        }

        /** {@link #started}, once none is left or {@code seconds} have passed: what is still there then. */
        List<String> left(String commandContains, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<ProcessHandle> left = started(commandContains);
            while (!left.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                left = started(commandContains);
            }
            return left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        }

        String err() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        /** Waits until stderr contains {@code text}, or fails after {@code seconds}. */
        void awaitErr(String text, int seconds) throws Exception {
            awaitText(err, text, 1, seconds);
        }

        /** Waits until stdout holds {@code text} {@code times} times, or fails after {@code seconds}. */
        void awaitOut(String text, int times, int seconds) throws Exception {
            awaitText(out, text, times, seconds);
        }

        private void awaitText(Path file, String text, int times, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (occurrences(Files.readString(file, StandardCharsets.UTF_8), text) < times) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError(times + " x '" + text + "' not in " + (file == err ? "stderr" : "stdout")
                            + "; stderr says: " + err());
                }
                Thread.sleep(50);
            }
        }

        private static int occurrences(String in, String text) {
            int n = 0;
            for (int i = in.indexOf(text); i >= 0; i = in.indexOf(text, i + text.length())) {
                n++;
            }
            return n;
        }

        void signal(String name) throws Exception {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        Run finish(int seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("ctxswitch did not exit within " + seconds + " s; stderr: " + err());
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), err());
        }
    }

    /** The name of the environment variable that marks the processes of one run. */
    private static final String MARKER = "CTXSWITCH_TEST_RUN";

    private Jar() {
    }

    private static boolean contains(byte[] environ, byte[] entry) {
        int start = 0; // environ: NUL-terminated NAME=value entries
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start == entry.length && java.util.Arrays.equals(environ, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    static void assumeBuilt() {
        LiveTestSkip.unless(Files.isRegularFile(JAR), "the jar is not built (mvn -B package -pl cli -am): " + JAR);
    }

    static Running start(List<String> prefix, Map<String, String> env, String... args) throws IOException {
        return start(false, prefix, env, args);
    }

    /** @param stdinPipe give the child a pipe to write its standard input to, else /dev/null */
    static Running start(boolean stdinPipe, List<String> prefix, Map<String, String> env, String... args) throws IOException {
        return start(JAR, stdinPipe, prefix, env, args);
    }

    /**
     * The same with a copy of the jar: a run as another user needs one it can reach (the checkout may
     * sit in a directory only root may enter).
     */
    static Running start(Path jar, boolean stdinPipe, List<String> prefix, Map<String, String> env, String... args) throws IOException {
        assumeBuilt();
        // As a user at a terminal starts it: SIGINT at its default, whatever started the test runner. A
        // runner started as a background job of a non-interactive shell passes SIGINT down ignored, and
        // a SIGINT before ctxswitch has installed its handler is then lost (HardeningIT's signal during
        // start-up traced on for ever in bench/ci-under-load.sh, started with `&`). A test that wants it
        // ignored says so in its prefix (LiveTracingIT).
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT"));
        command.addAll(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx64m");
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return launch(command, stdinPipe, env);
    }

    /** Runs {@code command} (a JVM running a copy of the jar, set up otherwise than {@link #start} does), output captured. */
    static Running launch(List<String> command, boolean stdinPipe, Map<String, String> env) throws IOException {
        Path out = Files.createTempFile("ctxswitch-out", ".txt");
        Path err = Files.createTempFile("ctxswitch-err", ".txt");
        out.toFile().deleteOnExit();
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(stdinPipe ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        String marker = UUID.randomUUID().toString();
        pb.environment().put(MARKER, marker);
        return new Running(pb.start(), out, err, marker);
    }

    static Run run(String... args) throws Exception {
        return start(List.of(), Map.of(), args).finish(120);
    }

    /** True if {@code command} is on PATH. */
    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test here, or fails it under CI=true: see {@link LiveTestSkip}. */
    static void skip(String why) {
        LiveTestSkip.because(why);
    }
}
