package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine perf's live stream feeds, a line at a time, drained now and then and read cumulatively
 * meanwhile, against the figures expected.py computed for the same real perf traces
 * (src/test/resources/perf): however the lines are cut into drains, the parts add up to the whole,
 * and the cumulative reading says the same in its own terms (per-CPU buckets).
 */
@Timeout(30)
class LivePairingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<byte[]> lines(String fixture) throws Exception {
        try (InputStream in = LivePairingTest.class.getResourceAsStream("/perf/" + fixture)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<byte[]> lines = new ArrayList<>();
            for (String line : text.split("\n", -1)) {
                if (!line.isEmpty()) {
                    lines.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
            return lines;
        }
    }

    private static void feed(LivePairing engine, byte[] line) {
        byte[] buffer = Arrays.copyOf(line, line.length + 5); // the line in a larger buffer, as the line reader gives it
        engine.take(buffer, 0, line.length, false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipe.txt", "lost.txt", "messaging.txt", "idle.txt", "names.txt", "live-pipe.txt"})
    void partsDrainedAtAnyPointAddUpToTheWholeTraceAndTheCumulativeReadingAgrees(String fixture) throws Exception {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/perf/" + fixture.replace(".txt", ".expected.json"))) {
            expected = JSON.readTree(in);
        }
        LivePairing engine = new LivePairing(SwitchFilter.NONE, false, null);
        LatencyStats total = new LatencyStats();
        List<byte[]> lines = lines(fixture);
        long previousCount = 0;
        for (int i = 0; i < lines.size(); i++) {
            feed(engine, lines.get(i));
            if (i % 7 == 3) {
                total.add(engine.drain());
                CumulativeFigures now = engine.cumulative();
                long count = now.cpus().stream().mapToLong(CumulativeFigures.Cpu::count).sum();
                assertThat(count).as("cumulative: never less").isGreaterThanOrEqualTo(previousCount);
                assertThat(count).as("cumulative = drained so far").isEqualTo(total.total().count());
                previousCount = count;
            }
        }
        engine.finish();
        total.add(engine.drain());

        assertThat(total.total().count()).isEqualTo(expected.get("count").asLong()).isPositive();
        assertThat(total.total().sumNs()).isEqualTo(expected.get("sum_ns").asLong());
        assertThat(total.total().minNs()).isEqualTo(expected.get("min_ns").asLong());
        assertThat(total.total().maxNs()).isEqualTo(expected.get("max_ns").asLong());
        assertThat(total.unpaired()).isEqualTo(expected.get("unpaired").asLong());
        assertThat(total.lost()).isEqualTo(expected.get("lost").asLong());
        assertThat(total.skippedLines()).isEqualTo(expected.get("skipped_lines").asLong());
        assertThat(engine.samples()).isEqualTo(total.total().count());

        CumulativeFigures all = engine.cumulative();
        assertThat(all.cpus().stream().mapToLong(CumulativeFigures.Cpu::count).sum()).isEqualTo(expected.get("count").asLong());
        assertThat(all.cpus().stream().mapToLong(CumulativeFigures.Cpu::sumNs).sum()).isEqualTo(expected.get("sum_ns").asLong());
        for (CumulativeFigures.Cpu cpu : all.cpus()) {
            assertThat(Arrays.stream(cpu.buckets()).sum()).as("CPU %d's buckets", cpu.cpu()).isEqualTo(cpu.count());
            assertThat(total.perCpu().stream().filter(e -> e.cpu() == cpu.cpu()).findFirst().orElseThrow().stats().count())
                    .isEqualTo(cpu.count());
        }
        assertThat(all.unpaired()).isEqualTo(expected.get("unpaired").asLong());
        assertThat(all.lost()).isEqualTo(expected.get("lost").asLong());
    }

    /** A switch whose OUT came before a drain and its IN after it is a sample of the later part, never unpaired. */
    @Test
    void aSwitchSpanningADrainCountsInThePartWhereItsInCame() throws Exception {
        List<byte[]> lines = lines("pipe.txt");
        LivePairing engine = new LivePairing(SwitchFilter.NONE, false, null);
        feed(engine, lines.get(0)); // swapper OUT, next 10098, at 1671.919119111
        LatencyStats before = engine.drain();
        feed(engine, lines.get(1)); // perf 10098 IN, prev 0, at 1671.919122419
        LatencyStats after = engine.drain();
        assertThat(before.total().count()).isZero();
        assertThat(before.unpaired()).isZero();
        assertThat(after.total().count()).isEqualTo(1);
        assertThat(after.total().sumNs()).isEqualTo(3_308);
        assertThat(engine.cumulative().cpus().get(0).sumNs()).isEqualTo(3_308);
    }

    /** At the end of the stream an OUT still waiting for its IN becomes unpaired, in the last drain and cumulatively. */
    @Test
    void theEndMakesAPendingOutUnpaired() throws Exception {
        LivePairing engine = new LivePairing(SwitchFilter.NONE, false, null);
        feed(engine, lines("pipe.txt").get(0));
        engine.finish();
        assertThat(engine.drain().unpaired()).isEqualTo(1);
        assertThat(engine.cumulative().unpaired()).isEqualTo(1);
        assertThat(engine.switchRecords()).isEqualTo(1);
    }
}
