package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** --replay through the packaged jar: real fixtures, standard input, and input that is not a trace. */
class ReplayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Jar.ROOT.resolve("backend-perf/src/test/resources/perf");

    @TempDir
    Path dir;

    private static JsonNode expected(String name) throws Exception {
        return JSON.readTree(FIXTURES.resolve(name + ".expected.json").toFile());
    }

    @Test
    void aPerfScriptFixtureGivesItsExpectedFiguresAndKeepsNamesWhole() throws Exception {
        Jar.Run run = Jar.run("--replay=" + FIXTURES.resolve("names.txt"), "--format=json", "--top=20");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        JsonNode expected = expected("names");
        assertThat(json.get("backend").asText()).isEqualTo("perf");
        assertThat(json.get("count").asLong()).isEqualTo(expected.get("count").asLong());
        assertThat(json.get("min_ns").asLong()).isEqualTo(expected.get("min_ns").asLong());
        assertThat(json.get("max_ns").asLong()).isEqualTo(expected.get("max_ns").asLong());
        assertThat(json.get("unpaired").asLong()).isEqualTo(expected.get("unpaired").asLong());
        assertThat(json.get("top_processes").findValuesAsText("comm")).contains("Web Content 9", "a:b [1] c", "caf\u00e9 \u2603");
        assertThat(run.err()).isEmpty();
    }

    /**
     * --percentiles on a committed perf trace, given unsorted: the JSON has the chosen keys in ascending
     * order where the default ones were (and not the default ones), each within the stated error of the
     * exact nearest-rank value that expected.py computed from the sorted samples; the text summary
     * shows the same values under the same percentiles.
     */
    @Test
    void chosenPercentilesOfAPerfTraceAreItsExactRanksInJsonAndText() throws Exception {
        String chosen = "--percentiles=99.95,5,75,25,99.5";
        Jar.Run run = Jar.run("--replay=" + FIXTURES.resolve("pipe.txt"), "--format=json", chosen);
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        int at = names.indexOf("stddev_ns") + 1;
        assertThat(names.subList(at, at + 6))
                .containsExactly("p05_ns", "p25_ns", "p75_ns", "p995_ns", "p9995_ns", "percentile_relative_error");
        assertThat(names).doesNotContain("p50_ns", "p90_ns", "p99_ns", "p999_ns");
        JsonNode exact = expected("pipe").get("percentiles_ns");
        Map<String, String> keys = Map.of("5", "p05_ns", "25", "p25_ns", "75", "p75_ns", "99.5", "p995_ns", "99.95", "p9995_ns");
        assertThat(exact.size()).isEqualTo(keys.size());
        keys.forEach((percentile, key) -> {
            long want = exact.get(percentile).asLong();
            assertThat((double) json.get(key).asLong()).as(key)
                    .isCloseTo(want, org.assertj.core.api.Assertions.within(Math.max(1.0, want * 0.01)));
        });

        Jar.Run text = Jar.run("--replay=" + FIXTURES.resolve("pipe.txt"), chosen);
        assertThat(text.exit()).as(text.err()).isZero();
        List<String> shown = text.out().lines().filter(l -> l.matches("  p[0-9.]+ +.*")).toList();
        assertThat(shown).hasSize(5);
        String[] labels = {"p5", "p25", "p75", "p99.5", "p99.95"};
        String[] jsonKeys = {"p05_ns", "p25_ns", "p75_ns", "p995_ns", "p9995_ns"};
        for (int i = 0; i < labels.length; i++) {
            assertThat(shown.get(i).strip().split(" +", 2)).as(shown.get(i))
                    .containsExactly(labels[i], io.ctxswitch.core.report.Durations.format(json.get(jsonKeys[i]).asLong()));
        }
    }

    /**
     * Every replay format takes --percentiles: perf script text, bpftrace output as JSON and as text,
     * and a perf.data recording. The chosen keys are there, ordered between min and max.
     */
    @ParameterizedTest
    @ValueSource(strings = {"backend-perf/src/test/resources/perf/messaging.txt",
        "backend-bpftrace/src/test/resources/bpftrace/schedtp-0.23-linux6.18-top.json.txt",
        "backend-bpftrace/src/test/resources/bpftrace/kprobe-0.17-linux6.1.text.txt",
        "backend-perf/src/test/resources/perf/recording.data"})
    @Timeout(120)
    void everyReplayFormatShowsTheChosenPercentiles(String fixture) throws Exception {
        if (fixture.endsWith(".data") && !Jar.onPath("perf")) {
            Jar.skip("replaying a perf.data file needs perf");
        }
        Jar.Run run = Jar.run("--replay=" + Jar.ROOT.resolve(fixture), "--format=json", "--percentiles=9.99,99.9,99.99");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("count").asLong()).isPositive();
        List<Long> ordered = new java.util.ArrayList<>();
        ordered.add(json.get("min_ns").asLong());
        for (String key : List.of("p0999_ns", "p999_ns", "p9999_ns")) {
            assertThat(json.get(key)).as(key).isNotNull();
            ordered.add(json.get(key).asLong());
        }
        ordered.add(json.get("max_ns").asLong());
        assertThat(ordered).isSorted();
        assertThat(json.has("p50_ns")).isFalse();
        Jar.Run text = Jar.run("--replay=" + Jar.ROOT.resolve(fixture), "--percentiles=9.99,99.9,99.99");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).containsPattern("\\n  p9\\.99 +\\S+ \\S+\\n  p99\\.9 +\\S+ \\S+\\n  p99\\.99 +\\S+ \\S+\\n  max ");
    }

    @Test
    void standardInputIsReadWithADash() throws Exception {
        Jar.Running running = Jar.start(true, List.of(), Map.of(), "--replay=-", "--format=json");
        try (OutputStream stdin = running.process.getOutputStream()) {
            Files.copy(FIXTURES.resolve("pipe.txt"), stdin);
        }
        Jar.Run run = running.finish(60);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isEqualTo(expected("pipe").get("count").asLong());
    }

    @Test
    void microsecondTracesAreWarnedAbout() throws Exception {
        Jar.Run run = Jar.run("--replay=" + FIXTURES.resolve("pipe-us.txt"));
        assertThat(run.exit()).isZero();
        assertThat(run.err()).contains("warning: the trace has microsecond timestamps");
    }

    @Test
    void aFiftyMegabyteLineFitsInASmallHeap() throws Exception {
        Path trace = dir.resolve("junk.txt");
        List<String> lines = Files.readAllLines(FIXTURES.resolve("pipe.txt"), StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(trace)) {
            out.write(String.join("\n", lines.subList(0, lines.size() / 2)).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
            byte[] x = new byte[1 << 20];
            java.util.Arrays.fill(x, (byte) 'x');
            for (int i = 0; i < 50; i++) {
                out.write(x);
            }
            out.write('\n');
            out.write(String.join("\n", lines.subList(lines.size() / 2, lines.size())).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        Jar.Run run = Jar.run("--replay=" + trace, "--format=json"); // the child runs with -Xmx64m
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("skipped_lines").asLong()).isEqualTo(1);
        assertThat(json.get("count").asLong()).isEqualTo(expected("pipe").get("count").asLong());
        assertThat(run.err()).contains("1 lines of the trace could not be parsed");
    }

    /**
     * Junk before the first record: a 50 MB first line of random bytes (NULs included, no newline),
     * then a line of text and a blank line. Two lines of junk: the blank one is not counted.
     */
    private static void writeJunkThen(Path trace, Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            java.util.Random random = new java.util.Random(12);
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < 50; i++) {
                random.nextBytes(chunk);
                for (int j = 0; j < chunk.length; j++) {
                    chunk[j] = chunk[j] == '\n' ? 0 : chunk[j];
                }
                out.write(chunk);
            }
            out.write("\nnot a record either\n\n".getBytes(StandardCharsets.UTF_8));
            Files.copy(trace, out);
        }
    }

    private static final long JUNK_LINES = 2;

    /**
     * Perf script text, bpftrace output (JSON and text) and our perf backend's recording (perf.data)
     * after 50 MB of junk give, with a 64 MB heap, the figures of the same trace without it, the junk
     * counted as skipped lines.
     */
    @ParameterizedTest
    @ValueSource(strings = {"backend-perf/src/test/resources/perf/pipe.txt",
        "backend-bpftrace/src/test/resources/bpftrace/schedtp-0.23-linux6.18-top.json.txt",
        "backend-bpftrace/src/test/resources/bpftrace/kprobe-0.17-linux6.1.text.txt",
        "backend-perf/src/test/resources/perf/recording.data"})
    @Timeout(180)
    void junkOfAnyLengthBeforeTheFirstRecordIsSkippedAndCounted(String fixture) throws Exception {
        Path trace = Jar.ROOT.resolve(fixture);
        if (fixture.endsWith(".data") && !Jar.onPath("perf")) {
            Jar.skip("replaying a perf.data file needs perf");
        }
        Jar.Run clean = Jar.run("--replay=" + trace, "--format=json", "--top=3");
        assertThat(clean.exit()).as(clean.err()).isZero();
        Path junky = dir.resolve("junk-first");
        writeJunkThen(trace, junky);
        Jar.Run run = Jar.run("--replay=" + junky, "--format=json", "--top=3"); // the child runs with -Xmx64m
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode expected = JSON.readTree(clean.out());
        JsonNode json = JSON.readTree(run.out());
        for (String field : List.of("backend", "count", "min_ns", "max_ns", "mean_ns", "p99_ns", "unpaired", "lost",
                "duration_ns", "top_processes")) {
            assertThat(json.get(field)).as(field).isEqualTo(expected.get(field));
        }
        assertThat(json.get("skipped_lines").asLong()).isEqualTo(expected.get("skipped_lines").asLong() + JUNK_LINES);
        assertThat(run.err()).contains(expected.get("skipped_lines").asLong() + JUNK_LINES + " lines");
    }

    /** The same from standard input, which cannot be read twice: the junk is passed over as it comes. */
    @Test
    @Timeout(180)
    void junkBeforeTheFirstRecordOnStandardInput() throws Exception {
        Path junky = dir.resolve("junk-first.txt");
        writeJunkThen(FIXTURES.resolve("pipe.txt"), junky);
        Jar.Running running = Jar.start(true, List.of(), Map.of(), "--replay=-", "--format=json");
        try (OutputStream stdin = running.process.getOutputStream()) {
            Files.copy(junky, stdin);
        }
        Jar.Run run = running.finish(120);
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("count").asLong()).isEqualTo(expected("pipe").get("count").asLong());
        assertThat(json.get("unpaired").asLong()).isEqualTo(expected("pipe").get("unpaired").asLong());
        assertThat(json.get("skipped_lines").asLong()).isEqualTo(JUNK_LINES);
    }

    private void assertInputError(String file, String mention) throws Exception {
        Jar.Run run = Jar.run("--replay=" + file);
        assertThat(run.exit()).as(file + ": " + run.err()).isEqualTo(4);
        String err = run.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).startsWith("ctxswitch: ").contains(mention);
        assertThat(err).doesNotContain("Exception");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void whatIsNotAUsableTraceIsAnInputError() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        Path binary = dir.resolve("binary.bin");
        byte[] noise = new byte[4096];
        new java.util.Random(1).nextBytes(noise);
        Files.write(binary, noise);
        Path json = Files.writeString(dir.resolve("summary.json"), "{\"count\": 3, \"min_ns\": 100}\n");
        Path text = Files.writeString(dir.resolve("notes.txt"), "these are notes\nnot a trace\n");
        assertInputError(empty.toString(), "is empty");
        assertInputError("/dev/null", "is empty");
        assertInputError(binary.toString(), "is not a trace ctxswitch can read");
        assertInputError(json.toString(), "is not a trace ctxswitch can read");
        assertInputError(text.toString(), "perf record -a --switch-events");
        assertInputError(FIXTURES.resolve("schedonly.txt").toString(), "--switch-events");
        assertInputError(dir.resolve("missing.txt").toString(), "does not exist");
        assertInputError(dir.toString(), "is a directory");
    }

    @Test
    void replayRefusesOptionsThatDoNotApply() throws Exception {
        Jar.Run run = Jar.run("--replay=" + FIXTURES.resolve("pipe.txt"), "--duration=5s");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--duration does not apply to --replay");
    }
}
