package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.host.HostIdentity;
import io.ctxswitch.core.report.Percentiles;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The --interval reports as the console prints them, with the percentiles that --percentiles chose. */
@org.junit.jupiter.api.Timeout(30)
class ConsoleListenerTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private ConsoleListener console(OutputFormat format, Percentiles percentiles) {
        PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
        return new ConsoleListener(stream, stream, format, "libbpf", false, false, 0, percentiles, s -> null, HostIdentity.UNKNOWN);
    }

    /** 1 ... 1000 ns: each percentile is its nearest rank, exactly. */
    private static LatencyStats part() {
        LatencyStats part = new LatencyStats();
        for (int ns = 1; ns <= 1000; ns++) {
            part.record(0, ns, 1, 1, "t");
        }
        return part;
    }

    @Test
    void jsonIntervalsCarryTheChosenPercentiles() throws Exception {
        console(OutputFormat.json, Percentiles.parse("99.99,9.99")).interval(part(), 1_000_000_000L);
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.get("kind").asText()).isEqualTo("interval");
        assertThat(json.get("p0999_ns").asLong()).isEqualTo(100);
        assertThat(json.get("p9999_ns").asLong()).isEqualTo(1000);
        assertThat(json.has("p50_ns")).isFalse();
    }

    @Test
    void textIntervalRowsHaveTheChosenColumns() {
        ConsoleListener console = console(OutputFormat.text, Percentiles.parse("75,99.99"));
        console.interval(part(), 1_000_000_000L);
        console.interval(part(), 1_000_000_000L);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3); // the header once, then a row per interval
        assertThat(lines.get(0).split(" +")).containsExactly("time", "switches", "min", "mean", "p75", "p99.99", "max", "unpaired");
        assertThat(lines.get(1).split(" +")).endsWith("1,000", "1", "ns", "501", "ns", "750", "ns", "1.00", "us", "1.00", "us", "0");
    }

    @Test
    void withoutAChoiceTheRowsKeepP50AndP99() {
        console(OutputFormat.text, Percentiles.DEFAULT).interval(part(), 1_000_000_000L);
        assertThat(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow().split(" +"))
                .containsExactly("time", "switches", "min", "mean", "p50", "p99", "max", "unpaired");
    }
}
