package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of src/test/resources/bad-inputs (see its README.md and cases.tsv) replayed through the
 * jar with a 64 MB heap: unusable input gives exit 4 and one short line; damaged input gives the
 * figures of its good records (as expected.py computed them) and the count of skipped lines. Never
 * a stack trace, never a hang.
 */
class BadInputCorpusIT {
    private static final Path CORPUS = Jar.ROOT.resolve("cli/src/test/resources/bad-inputs");
    private static final Path PERF_FIXTURES = Jar.ROOT.resolve("backend-perf/src/test/resources/perf");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> cases = new ArrayList<>();
        for (String line : Files.readAllLines(CORPUS.resolve("cases.tsv"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            Path file = f[0].startsWith("perf:") ? PERF_FIXTURES.resolve(f[0].substring(5)) : CORPUS.resolve(f[0]);
            cases.add(Arguments.of(f[0], file, Integer.parseInt(f[1]), f[2]));
        }
        assertThat(cases.size()).isGreaterThanOrEqualTo(30);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void replays(String name, Path file, int exit, String expectation) throws Exception {
        Jar.Run run = Jar.run("--replay=" + file, "--format=json", "--top=5");
        assertThat(run.out() + run.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(run.exit()).as(run.err()).isEqualTo(exit);
        if (exit == 4) {
            assertOneLine(run, expectation);
            return;
        }
        String[] figures = expectation.split(" ");
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("count").asLong()).isEqualTo(Long.parseLong(figures[0]));
        assertThat(json.get("unpaired").asLong()).isEqualTo(Long.parseLong(figures[1]));
        assertThat(json.get("skipped_lines").asLong()).isEqualTo(Long.parseLong(figures[2]));
        if (Long.parseLong(figures[2]) > 0) {
            assertThat(run.err()).contains("lines of the trace could not be parsed and were skipped");
        }
    }

    private static void assertOneLine(Jar.Run run, String mention) {
        String err = run.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).startsWith("ctxswitch: ").contains(mention);
        // Short, whatever the checkout's path that the line may name (it lives anywhere, CI's too).
        assertThat(err.replace(Jar.ROOT.toString(), "").length()).as("short, less the checkout's path").isLessThan(400);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aDirectoryAMissingFileAndDevNull() throws Exception {
        assertOneLine(expectExit(4, "--replay=" + dir), "is a directory");
        assertOneLine(expectExit(4, "--replay=" + dir.resolve("missing.txt")), "does not exist");
        assertOneLine(expectExit(4, "--replay=/dev/null"), "is empty");
    }

    private static Jar.Run expectExit(int exit, String... args) throws Exception {
        Jar.Run run = Jar.run(args);
        assertThat(run.exit()).as(run.err()).isEqualTo(exit);
        return run;
    }

    private Path fifo() throws Exception {
        Path fifo = dir.resolve("fifo-" + System.nanoTime());
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    @Test
    void aFifoThatClosesAtOnceIsEmpty() throws Exception {
        Path fifo = fifo();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--replay=" + fifo);
        try (OutputStream writer = Files.newOutputStream(fifo)) {
            // opened and closed without a byte
        }
        assertOneLine(ctxswitch.finish(60), "is empty");
    }

    @Test
    void aFifoThatClosesHalfWayGivesTheFiguresOfWhatCame() throws Exception {
        Path fifo = fifo();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--replay=" + fifo, "--format=json");
        List<String> lines = Files.readAllLines(PERF_FIXTURES.resolve("pipe.txt"));
        try (OutputStream writer = Files.newOutputStream(fifo)) {
            writer.write((String.join("\n", lines.subList(0, 400)) + "\n").getBytes());
            writer.write(lines.get(400).substring(0, 40).getBytes()); // and closes mid-line
        }
        Jar.Run run = ctxswitch.finish(60);
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        String[] expected = Files.readAllLines(CORPUS.resolve("cases.tsv")).stream()
                .filter(l -> l.startsWith("truncated-last-line.txt\t")).findFirst().orElseThrow().split("\t")[2].split(" ");
        assertThat(json.get("count").asLong()).isEqualTo(Long.parseLong(expected[0]));
        assertThat(json.get("skipped_lines").asLong()).isEqualTo(1);
    }

    @Test
    void aFifoThatNeverWritesDoesNotHangACtrlC() throws Exception {
        Path fifo = fifo();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--replay=" + fifo);
        try (OutputStream writer = Files.newOutputStream(fifo)) {
            TimeUnit.MILLISECONDS.sleep(1500);
            ctxswitch.signal("INT");
            assertThat(ctxswitch.process.waitFor(30, TimeUnit.SECONDS)).as("exits while the writer is still open").isTrue();
        }
        assertThat(ctxswitch.process.exitValue()).isEqualTo(130);
        assertThat(ctxswitch.err().strip()).isEqualTo("ctxswitch: interrupted while waiting for " + fifo);
    }

    @Test
    void aFifoThatStallsMidTraceStopsOnCtrlCWithWhatCame() throws Exception {
        Path fifo = fifo();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--replay=" + fifo, "--format=json");
        List<String> lines = Files.readAllLines(PERF_FIXTURES.resolve("pipe.txt"));
        try (OutputStream writer = Files.newOutputStream(fifo)) {
            writer.write((String.join("\n", lines.subList(0, 400)) + "\n").getBytes());
            writer.flush();
            TimeUnit.MILLISECONDS.sleep(1500); // the writer stays open and silent
            ctxswitch.signal("INT");
            assertThat(ctxswitch.process.waitFor(30, TimeUnit.SECONDS)).as("exits while the writer is still open").isTrue();
        }
        Jar.Run run = ctxswitch.finish(5);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isPositive();
        assertThat(run.err()).contains("interrupted: the figures cover the part of the trace read so far");
    }
}
