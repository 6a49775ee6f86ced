package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The coverage test's load, src/test/vm/mixed-load.c, compiled once into target/. */
final class MixedLoad {
    private MixedLoad() {
    }

    static synchronized Path build() throws Exception {
        Path source = Jar.ROOT.resolve("cli/src/test/vm/mixed-load.c");
        Path binary = Path.of("target", "mixed-load").toAbsolutePath();
        if (Files.exists(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
            return binary;
        }
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes());
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).as("gcc finished").isTrue();
        assertThat(gcc.exitValue()).as("gcc: %s", output).isZero();
        return binary;
    }
}
