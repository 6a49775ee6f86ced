package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A damaged trace still gives the figures of its good records, and says how many lines it skipped. */
class DamagedTraceTest {

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = DamagedTraceTest.class.getResourceAsStream("/perf/" + name)) {
            return in.readAllBytes();
        }
    }

    private static LatencyStats read(InputStream in) throws IOException {
        LatencyStats stats = new LatencyStats();
        PerfScriptReader.read(in, stats, () -> false);
        return stats;
    }

    private static LatencyStats read(byte[] bytes) throws IOException {
        return read(new ByteArrayInputStream(bytes));
    }

    @Test
    void aTruncatedLastLineIsSkippedAndTheRestCounts() throws IOException {
        byte[] whole = fixture("pipe.txt");
        String text = new String(whole, StandardCharsets.UTF_8);
        int lastLine = text.lastIndexOf('\n', text.length() - 2) + 1;
        byte[] cut = java.util.Arrays.copyOf(whole, lastLine + 40); // mid-timestamp
        LatencyStats original = read(java.util.Arrays.copyOf(whole, lastLine));
        LatencyStats damaged = read(cut);
        assertThat(damaged.skippedLines()).isEqualTo(1);
        assertThat(damaged.total().count()).isEqualTo(original.total().count()).isPositive();
        assertThat(damaged.total().sumNs()).isEqualTo(original.total().sumNs());
    }

    @Test
    void aFiftyMegabyteJunkLineIsPassedOverWithoutHoldingIt() throws IOException {
        byte[] pipe = fixture("pipe.txt");
        LatencyStats clean = read(pipe);
        int half = new String(pipe, StandardCharsets.UTF_8).indexOf('\n', pipe.length / 2) + 1;
        InputStream junk = new InputStream() { // 50 MB of 'x' and a newline, generated, never held
            final long size = 50L << 20;
            long pos;

            @Override
            public int read() {
                return pos > size ? -1 : (pos++ < size ? 'x' : '\n');
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos > size) {
                    return -1;
                }
                if (pos == size) {
                    b[off] = '\n';
                    pos++;
                    return 1;
                }
                int n = (int) Math.min(len, size - pos);
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                pos += n;
                return n;
            }
        };
        InputStream damaged = new SequenceInputStream(java.util.Collections.enumeration(List.of(
                new ByteArrayInputStream(pipe, 0, half), junk, new ByteArrayInputStream(pipe, half, pipe.length - half))));
        LatencyStats stats = read(damaged);
        assertThat(stats.skippedLines()).isEqualTo(1);
        assertThat(stats.total().count()).isEqualTo(clean.total().count());
        assertThat(stats.total().sumNs()).isEqualTo(clean.total().sumNs());
    }

    @Test
    void crlfLineEndingsGiveTheSameFigures() throws IOException {
        byte[] pipe = fixture("pipe.txt");
        byte[] crlf = new String(pipe, StandardCharsets.UTF_8).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        LatencyStats a = read(pipe);
        LatencyStats b = read(crlf);
        assertThat(b.total().count()).isEqualTo(a.total().count());
        assertThat(b.total().sumNs()).isEqualTo(a.total().sumNs());
        assertThat(b.skippedLines()).isZero();
    }

    @Test
    void timeGoingBackwardsNeverMakesANegativeSample() throws IOException {
        String trace = String.join("\n",
                "      sched-pipe  7066 [000]  1141.492276659: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:  7065/7065 ",
                "      sched-pipe  7065 [000]  1141.492270000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:  7066/7066 ",
                "      sched-pipe  7065 [000]  1141.492278394: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:  7066/7066 ",
                "      sched-pipe  7066 [000]  1141.492278747: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:  7065/7065 ",
                "");
        LatencyStats stats = read(trace.getBytes(StandardCharsets.UTF_8));
        assertThat(stats.total().count()).isEqualTo(1);
        assertThat(stats.total().minNs()).isEqualTo(353);
        assertThat(stats.unpaired()).isEqualTo(1);
    }

    @Test
    void duplicatedRecordsBecomeUnpairedNotSamples() throws IOException {
        byte[] pipe = fixture("pipe.txt");
        StringBuilder doubled = new StringBuilder();
        for (String line : new String(pipe, StandardCharsets.UTF_8).split("\n")) {
            doubled.append(line).append('\n').append(line).append('\n');
        }
        LatencyStats clean = read(pipe);
        LatencyStats stats = read(doubled.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(stats.total().count()).isEqualTo(clean.total().count());
        assertThat(stats.total().sumNs()).isEqualTo(clean.total().sumNs());
        assertThat(stats.unpaired()).isGreaterThan(clean.unpaired() + clean.total().count());
    }

    @Test
    void binaryGarbageAmidRecordsIsSkippedLineByLine() throws IOException {
        byte[] pipe = fixture("pipe.txt");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(pipe, 0, pipe.length);
        out.write(new byte[] {0, 1, 2, (byte) 0xff, '\n', 0x7f, 'E', 'L', 'F', '\n'});
        LatencyStats stats = read(out.toByteArray());
        assertThat(stats.skippedLines()).isEqualTo(2);
        assertThat(stats.total().count()).isEqualTo(read(pipe).total().count());
    }
}
