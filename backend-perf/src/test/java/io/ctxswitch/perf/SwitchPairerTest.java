package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pairer's per-CPU state: grown as higher CPUs show up, without losing what the lower ones wait for. */
@Timeout(30)
class SwitchPairerTest {
    /**
     * CPU 0's OUT waits while CPU 5 is seen for the first time (the state grows from one CPU to six),
     * then both INs come: two switches, 1 us on CPU 5 and 10 us on CPU 0.
     */
    private static final String TRACE = """
                 app   101 [000]  1.000000000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   200/200
                 app   102 [005]  1.000002000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   300/300
                tool   300 [005]  1.000003000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/102
                tool   200 [000]  1.000010000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/101
            """;

    @Test
    void aSwitchWaitingOnALowCpuIsPairedAfterAHigherCpuFirstShowsUp() throws Exception {
        LatencyStats stats = new LatencyStats();
        PerfScriptReader.read(new ByteArrayInputStream(TRACE.getBytes(StandardCharsets.UTF_8)), stats, () -> false);
        assertThat(stats.unpaired()).as("unpaired").isZero();
        assertThat(stats.total().count()).isEqualTo(2);
        assertThat(stats.total().sumNs()).isEqualTo(1_000 + 10_000);
        assertThat(stats.perCpu()).extracting(e -> e.cpu()).containsExactly(0, 5);
    }
}
