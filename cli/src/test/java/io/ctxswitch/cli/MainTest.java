package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line's answers that need no tracing: usage errors, help, version. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badInputIsAUsageErrorWithOneClearLine() {
        String[][] cases = {
            {"--duration=abc"}, {"--duration=0"}, {"--interval=-1s"}, {"--format=xml"}, {"--probe=uprobe"},
            {"--top=-2"}, {"--backend=dtrace"}, {"--no-such-flag"}, {"stray-argument"}, {"--top=many"},
        };
        for (String[] args : cases) {
            err.reset();
            assertThat(run(args)).as(String.join(" ", args)).isEqualTo(2);
            String[] lines = err().strip().split("\n");
            assertThat(lines).as(err()).hasSize(2);
            assertThat(lines[0]).startsWith("ctxswitch: ");
            assertThat(lines[1]).isEqualTo("Try 'ctxswitch --help' for more information.");
            assertThat(err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void helpExplainsEveryOptionAndTheExitCodes() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--backend", "--probe", "--duration", "--interval", "--format", "--per-cpu",
                "--top", "--list-backends", "--help", "--version"}) {
            assertThat(help).contains(option);
        }
        assertThat(help).contains("Exit codes").containsPattern("3\\s+environment").containsPattern("2\\s+usage");
    }

    @Test
    void helpSaysHowOutputFilesAreCheckedAndWhatAFailedWriteExitsWith() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertThat(help).contains("--record=FILE").contains("--force").contains("FILE must not exist (unless --force)")
                .contains("a half-written file never has its name").contains("a symbolic link is replaced, never written through")
                .containsPattern("2 usage error; also an output file \\(--record\\) that cannot be written")
                .contains("an output file could not be written at the end");
    }

    /** Said in one line, with nothing to add from --help: the line says what to fix. */
    @Test
    void anUnusableOutputPathIsAUsageErrorInOneLine() {
        assertThat(run("--backend=perf", "--record=/nonexistent/dir/x")).isEqualTo(2);
        assertThat(err()).isEqualTo("ctxswitch: --record=/nonexistent/dir/x: directory /nonexistent/dir does not exist\n");
    }

    @Test
    void versionIsPrinted() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ctxswitch ");
    }
}
