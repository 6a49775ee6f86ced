package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** ./ctxswitch, the command README.md gives: it runs the jar (with its class-data archive) and passes arguments on. */
@org.junit.jupiter.api.Timeout(600)
class LauncherIT {
    private static Jar.Run launch(String... args) throws Exception {
        return launch(java.util.Map.of(), args);
    }

    private static Jar.Run launch(java.util.Map<String, String> env, String... args) throws Exception {
        Jar.assumeBuilt();
        Path launcher = Jar.ROOT.resolve("ctxswitch");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(launcher.toString()));
        command.addAll(java.util.List.of(args));
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        Jar.Run run = new Jar.Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    @Test
    void runsTheJarAndPassesArgumentsOn() throws Exception {
        Jar.Run version = launch("--version");
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out().strip()).isEqualTo("ctxswitch 0.1.0");
        assertThat(Files.list(Jar.ROOT.resolve("cli/target")).anyMatch(p -> p.getFileName().toString().endsWith(".jsa")))
                .as("the class-data archive was made").isTrue();

        Path fixture = Jar.ROOT.resolve("backend-perf/src/test/resources/perf/pipe.txt");
        Jar.Run replay = launch("--replay=" + fixture, "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(new ObjectMapper().readTree(replay.out()).get("count").asLong()).isPositive();
        assertThat(replay.err()).isEmpty();

        Jar.Run usage = launch("--duration=soon");
        assertThat(usage.exit()).isEqualTo(2);
    }

    /**
     * The archive holds what a start loads, picocli's classes (compiled for Java 5, which Java 17's
     * dynamic archives leave out) and Guice's included, so that they are not read from the jar.
     */
    @Test
    void theClassDataArchiveHoldsTheClassesOfAStart(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path log = dir.resolve("classes.log");
        Jar.Run version = launch(java.util.Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + log), "--list-backends",
                "--probe=sched-tp"); // --probe=sched-tp: no mode or bpftrace feature is tried out
        assertThat(version.exit()).as(version.err()).isZero();
        java.util.List<String> loaded = Files.readAllLines(log);
        for (String name : new String[] {"picocli.CommandLine", "com.google.inject.Guice", "io.ctxswitch.cli.Main",
                "com.sun.jna.Native"}) {
            assertThat(loaded).as(name).anyMatch(line -> line.contains(" " + name + " source: shared objects file"));
        }
        long fromTheJar = loaded.stream().filter(line -> line.contains("source: jar:") || line.contains("source: file:")).count();
        assertThat(fromTheJar).as("classes read from the jar").isLessThan(20);
    }
}
