package io.ctxswitch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

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

        Running(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        String err() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        /** Waits until stderr contains {@code text}, or fails after {@code seconds}. */
        void awaitErr(String text, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!err().contains(text)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("no '" + text + "' on stderr; it says: " + err());
                }
                Thread.sleep(50);
            }
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

    private Jar() {
    }

    static void assumeBuilt() {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "the jar is not built: " + JAR);
    }

    static Running start(List<String> prefix, Map<String, String> env, String... args) throws IOException {
        return start(false, prefix, env, args);
    }

    /** @param stdinPipe give the child a pipe to write its standard input to, else /dev/null */
    static Running start(boolean stdinPipe, List<String> prefix, Map<String, String> env, String... args) throws IOException {
        assumeBuilt();
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx64m");
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("ctxswitch-out", ".txt");
        Path err = Files.createTempFile("ctxswitch-err", ".txt");
        out.toFile().deleteOnExit();
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(stdinPipe ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        return new Running(pb.start(), out, err);
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

    static void skip(String why) {
        System.err.println("SKIPPED: " + why);
        Assumptions.abort(why);
    }
}
