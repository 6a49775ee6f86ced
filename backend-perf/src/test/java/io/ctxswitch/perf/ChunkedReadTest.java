package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** An input many times the reader's buffer, read in odd-sized pieces, pairs exactly as the sum of its parts. */
class ChunkedReadTest {

    @Test
    void twentyCopiesOfATraceGiveTwentyTimesItsSamples() throws Exception {
        byte[] pipe;
        try (InputStream in = getClass().getResourceAsStream("/perf/pipe.txt")) {
            pipe = in.readAllBytes();
        }
        ByteArrayOutputStream copies = new ByteArrayOutputStream();
        for (int i = 0; i < 20; i++) {
            copies.write(pipe);
        }
        assertThat(copies.size()).isGreaterThan(20 * LineReader.MAX_LINE);
        LatencyStats one = new LatencyStats();
        PerfScriptReader.read(new ByteArrayInputStream(pipe), one, () -> false);
        LatencyStats twenty = new LatencyStats();
        // Each copy starts back in time, so nothing pairs across copies: samples add up exactly.
        InputStream trickle = new ByteArrayInputStream(copies.toByteArray()) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 4093)); // reads that end anywhere in a line
            }
        };
        PerfScriptReader.Outcome outcome = PerfScriptReader.read(trickle, twenty, () -> false);
        assertThat(twenty.total().count()).isEqualTo(20 * one.total().count());
        assertThat(twenty.total().sumNs()).isEqualTo(20 * one.total().sumNs());
        assertThat(twenty.total().minNs()).isEqualTo(one.total().minNs());
        assertThat(twenty.total().maxNs()).isEqualTo(one.total().maxNs());
        assertThat(outcome.lines()).isEqualTo(20 * countLines(pipe));
        assertThat(twenty.skippedLines()).isZero();
    }

    private static long countLines(byte[] b) {
        long n = 0;
        for (byte c : b) {
            if (c == '\n') {
                n++;
            }
        }
        return n;
    }
}
