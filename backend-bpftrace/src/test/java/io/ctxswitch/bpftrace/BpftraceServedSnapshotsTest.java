package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What {@code --serve} serves from bpftrace 0.23's sched-tp output, line by line as it came (golden
 * recordings of the real script on Linux 6.18): after each complete snapshot, that snapshot's figures;
 * meanwhile the previous one's; never less than before in any bucket or counter. The expected figures
 * are the fixtures' own numbers, added up with a separate reading of the JSON (python3, in the commit
 * that added this test): per snapshot the histogram's keys, the per-CPU sums and the no-switch counter.
 */
class BpftraceServedSnapshotsTest {

    /** What one line's reading serves: count, sum and no-switch counter, or null for nothing yet. */
    private record Served(long count, long sumNs, long noSwitch) {
    }

    /** The figures served after each line of {@code fixture} (1-based line numbers), checking every step against the one before. */
    private static Map<Integer, Served> servedAfterEachLine(String fixture) throws IOException {
        BpftraceResult result = new BpftraceResult();
        Map<Integer, Served> served = new TreeMap<>();
        CumulativeFigures before = result.cumulative();
        assertThat(before.cpus()).as("nothing before the first snapshot").isEmpty();
        int number = 0;
        for (String line : lines(fixture)) {
            number++;
            result.accept(line);
            CumulativeFigures now = result.cumulative();
            assertNeverLess(before, now, fixture + " line " + number);
            assertThat(now.cpus()).as("one entry for all CPUs: the script's histogram is one").hasSizeLessThanOrEqualTo(1);
            if (!now.cpus().isEmpty()) {
                CumulativeFigures.Cpu all = now.cpus().get(0);
                assertThat(all.cpu()).isEqualTo(CumulativeFigures.Cpu.ALL_CPUS);
                assertThat(java.util.Arrays.stream(all.buckets()).sum()).as("the buckets hold the count").isEqualTo(all.count());
                served.put(number, new Served(all.count(), all.sumNs(), now.noSwitch()));
            }
            assertThat(now.unpaired()).isZero();
            assertThat(now.lost()).isZero();
            before = now;
        }
        return served;
    }

    private static List<String> lines(String fixture) throws IOException {
        try (InputStream in = BpftraceServedSnapshotsTest.class.getResourceAsStream("/bpftrace/" + fixture)) {
            return new ArrayList<>(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        }
    }

    /** Every bucket, the count, the sum and each counter at least what the reading before had. */
    private static void assertNeverLess(CumulativeFigures before, CumulativeFigures now, String where) {
        if (!before.cpus().isEmpty()) {
            assertThat(now.cpus()).as(where).hasSize(1);
            CumulativeFigures.Cpu b = before.cpus().get(0);
            CumulativeFigures.Cpu n = now.cpus().get(0);
            assertThat(n.count()).as(where).isGreaterThanOrEqualTo(b.count());
            assertThat(n.sumNs()).as(where).isGreaterThanOrEqualTo(b.sumNs());
            for (int i = 0; i < LogLinearBuckets.COUNT; i++) {
                assertThat(n.buckets()[i]).as("%s, bucket %d", where, i).isGreaterThanOrEqualTo(b.buckets()[i]);
            }
        }
        assertThat(now.unpaired()).as(where).isGreaterThanOrEqualTo(before.unpaired());
        assertThat(now.noSwitch()).as(where).isGreaterThanOrEqualTo(before.noSwitch());
        assertThat(now.lost()).as(where).isGreaterThanOrEqualTo(before.lost());
    }

    /**
     * Three snapshots, then the final maps (printed once the probes are detached). Each snapshot's count is
     * its histogram's (3,953 where its @ctxsw_n, read just before, said 3,950: the samples of the moments
     * between the two reads), its sum the snapshot's @ctxsw_sum; the final maps agree with each other and
     * with the summary (expected.json: 11,862 switches, 22,103,206 ns).
     */
    @Test
    void eachCompleteSnapshotIsServedUntilTheNextAndTheFinalMapsLast() throws IOException {
        Map<Integer, Served> served = servedAfterEachLine("schedtp-0.23-linux6.18-top-snapshots.json.txt");
        assertThat(served).doesNotContainKeys(4, 5, 6, 7, 8, 9, 10, 11); // the first snapshot, until its end line
        assertThat(served.get(12)).isEqualTo(new Served(3953, 6_732_063, 80));
        assertThat(served.get(20)).as("the second snapshot, read but not ended").isEqualTo(served.get(12));
        assertThat(served.get(21)).isEqualTo(new Served(7796, 13_880_778, 207));
        assertThat(served.get(30)).isEqualTo(new Served(11348, 21_119_712, 360));
        assertThat(served.get(44)).as("the final maps").isEqualTo(new Served(11862, 22_103_206, 383));
    }

    /** A bpftrace killed while it printed its fourth snapshot: the third stays served (as its summary does). */
    @Test
    void aSnapshotCutShortIsNeverServed() throws IOException {
        Map<Integer, Served> served = servedAfterEachLine("schedtp-0.23-linux6.18-killed-mid-snapshot.json.txt");
        assertThat(served.get(12)).isEqualTo(new Served(3930, 7_796_472, 95));
        assertThat(served.get(21)).isEqualTo(new Served(7927, 14_677_710, 232));
        assertThat(served.get(30)).isEqualTo(new Served(11834, 21_803_296, 393));
        assertThat(served.get(35)).as("the last line, inside the fourth snapshot").isEqualTo(served.get(30));
    }

    /** The buckets served are the histogram's keys as printed: bucket 305's count in the first snapshot, 1 (text of line 9). */
    @Test
    void theBucketsAreTheScriptsHistogramKeys() throws IOException {
        BpftraceResult result = new BpftraceResult();
        List<String> lines = lines("schedtp-0.23-linux6.18-top-snapshots.json.txt");
        lines.subList(0, 12).forEach(result::accept);
        long[] buckets = result.cumulative().cpus().get(0).buckets();
        assertThat(buckets[305]).isEqualTo(1);
        assertThat(buckets[332]).isEqualTo(2);
        assertThat(buckets[1448]).isEqualTo(1);
        assertThat(buckets[1449]).isZero();
    }

    /**
     * --serve --by=kind from the real --by=kind output: nothing by kind before the first snapshot; then every kind at
     * every reading, their buckets and sums adding up exactly to the total's (one set of maps, keyed by kind), none
     * ever less than before; and the final maps' kinds are the summary's (expected.json, read from @ctxsw_n and
     * @ctxsw_sum by kind: 10,269 preempted ... 288 to-idle, 349,407 in all).
     */
    @Test
    void byKindEveryKindIsServedAndTheKindsAddUpToTheTotal() throws IOException {
        BpftraceResult result = new BpftraceResult();
        result.classifyKinds();
        CumulativeFigures before = result.cumulative();
        assertThat(before.kinds()).isEmpty();
        for (String line : lines("schedtp-0.23-linux6.18-kind.json.txt")) {
            result.accept(line);
            CumulativeFigures now = result.cumulative();
            assertNeverLess(before, now, line.substring(0, Math.min(60, line.length())));
            if (now.cpus().isEmpty()) {
                assertThat(now.kinds()).isEmpty();
                continue;
            }
            CumulativeFigures.Cpu all = now.cpus().get(0);
            assertThat(now.kinds()).extracting(CumulativeFigures.Kind::kind).containsExactly(io.ctxswitch.core.model.SwitchKind.values());
            long[] added = new long[LogLinearBuckets.COUNT];
            long sum = 0;
            for (CumulativeFigures.Kind k : now.kinds()) {
                assertThat(k.cpu()).isEqualTo(CumulativeFigures.Cpu.ALL_CPUS);
                assertThat(java.util.Arrays.stream(k.buckets()).sum()).as("%s's buckets hold its count", k.kind()).isEqualTo(k.count());
                for (int i = 0; i < added.length; i++) {
                    added[i] += k.buckets()[i];
                }
                sum += k.sumNs();
                if (!before.kinds().isEmpty()) {
                    CumulativeFigures.Kind was = before.kinds().get(k.kind().ordinal());
                    assertThat(k.count()).as("%s", k.kind()).isGreaterThanOrEqualTo(was.count());
                    assertThat(k.sumNs()).as("%s", k.kind()).isGreaterThanOrEqualTo(was.sumNs());
                }
            }
            assertThat(added).as("the kinds' buckets, added up").isEqualTo(all.buckets());
            assertThat(sum).as("the kinds' sums, added up").isEqualTo(all.sumNs());
            before = now;
        }
        Map<String, long[]> last = new TreeMap<>();
        before.kinds().forEach(k -> last.put(k.kind().label(), new long[] {k.count(), k.sumNs()}));
        assertThat(last).containsOnlyKeys("preempted", "blocked", "yield", "exit", "from-idle", "to-idle");
        assertThat(last.get("preempted")).containsExactly(10_269, 30_746_003);
        assertThat(last.get("blocked")).containsExactly(55_480, 134_565_055);
        assertThat(last.get("yield")).containsExactly(282_900, 437_941_600);
        assertThat(last.get("exit")).containsExactly(181, 8_512_157);
        assertThat(last.get("from-idle")).containsExactly(289, 1_053_459);
        assertThat(last.get("to-idle")).containsExactly(288, 1_848_816);
        assertThat(before.cpus().get(0).count()).isEqualTo(349_407);
    }

    /** Without --by=kind, nothing by kind, even from a script that classified. */
    @Test
    void withoutByKindNoKindIsServed() throws IOException {
        BpftraceResult result = new BpftraceResult();
        lines("schedtp-0.23-linux6.18-kind.json.txt").forEach(result::accept);
        assertThat(result.cumulative().kinds()).isEmpty();
        assertThat(result.cumulative().cpus().get(0).count()).isEqualTo(349_407);
    }
}
