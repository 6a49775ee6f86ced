package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden lines, copied from real bpftrace 0.17 and 0.23 output. */
class BpftraceLineTest {
    private static List<BpftraceLine.Entry> parse(String line) {
        return BpftraceLine.parse(line, BpftraceResult.KEY_PARTS);
    }

    @Test
    void textMaps() {
        assertThat(parse("@ctxsw_no_switch: 1")).containsExactly(new BpftraceLine.MapValue("@ctxsw_no_switch", List.of(), 1));
        assertThat(parse("@ctxsw_max[0]: 493700")).containsExactly(new BpftraceLine.MapValue("@ctxsw_max", List.of("0"), 493700));
        assertThat(parse("@ctxsw_task_max[30668, 30668, kworker/u8:4]: 1822"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_task_max", List.of("30668", "30668", "kworker/u8:4"), 1822));
        // a task name may hold the separator itself
        assertThat(parse("@ctxsw_task_n[7, 7, a, b]: 2"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_task_n", List.of("7", "7", "a, b"), 2));
    }

    /**
     * --slower's count of the outliers emitted, a count() without keys: bpftrace 0.17 on Linux 6.18 (text and JSON), which
     * prints it as 0 when it was never written (BpftraceResult reads no line as none emitted, after END, all the same).
     */
    @Test
    void theEmittedOutliersCount() {
        assertThat(parse("@ctxsw_outliers: 0")).containsExactly(new BpftraceLine.MapValue(BpftraceScript.EMITTED_MAP, List.of(), 0));
        assertThat(parse("@ctxsw_outliers: 1")).containsExactly(new BpftraceLine.MapValue(BpftraceScript.EMITTED_MAP, List.of(), 1));
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_outliers\": 2}}"))
                .containsExactly(new BpftraceLine.MapValue(BpftraceScript.EMITTED_MAP, List.of(), 2));
    }

    @Test
    void jsonMaps() {
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_unpaired\": 1}}"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_unpaired", List.of(), 1));
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"1\": 17, \"0\": 20}}}")).containsExactly(
                new BpftraceLine.MapValue("@ctxsw_n", List.of("1"), 17), new BpftraceLine.MapValue("@ctxsw_n", List.of("0"), 20));
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_task_n\": {\"0,0,swapper/1\": 5}}}"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_task_n", List.of("0", "0", "swapper/1"), 5));
    }

    /**
     * --by=kind's maps, keyed by CPU and kind, the histogram by bucket and kind: the JSON lines from bpftrace 0.23
     * (schedtp-0.23-linux6.18-kind.json.txt); the text ones written in the form its other keyed maps print in
     * (no text recording of the --by=kind script was made).
     */
    @Test
    void mapsKeyedByKind() {
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"0,2\": 1, \"1,3\": 2, \"0,5\": 2}}}")).containsExactly(
                new BpftraceLine.MapValue("@ctxsw_n", List.of("0", "2"), 1), new BpftraceLine.MapValue("@ctxsw_n", List.of("1", "3"), 2),
                new BpftraceLine.MapValue("@ctxsw_n", List.of("0", "5"), 2));
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_min\": {\"1,4\": 1212}}}"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_min", List.of("1", "4"), 1212));
        assertThat(parse("@ctxsw_hist[914, 1]: 3")).containsExactly(new BpftraceLine.MapValue("@ctxsw_hist", List.of("914", "1"), 3));
        assertThat(parse("@ctxsw_sum[0, 1]: 98765")).containsExactly(new BpftraceLine.MapValue("@ctxsw_sum", List.of("0", "1"), 98765));
    }

    @Test
    void printfAndChatter() {
        assertThat(parse("{\"type\": \"printf\", \"data\": \"ctxswitch: attached\\n\"}"))
                .containsExactly(new BpftraceLine.Printed("ctxswitch: attached"));
        assertThat(parse("ctxswitch bpftrace script: probe kprobe")).containsExactly(new BpftraceLine.Printed("ctxswitch bpftrace script: probe kprobe"));
        assertThat(parse("{\"type\": \"attached_probes\", \"data\": {\"probes\": 6}}")).containsExactly(new BpftraceLine.Chatter());
        assertThat(parse("Attaching 6 probes...")).containsExactly(new BpftraceLine.Chatter());
        assertThat(parse("")).containsExactly(new BpftraceLine.Chatter());
        assertThat(parse("WARNING: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace.")).containsExactly(new BpftraceLine.Chatter());
    }

    @Test
    void lostEvents() {
        assertThat(parse("Lost 12 events")).containsExactly(new BpftraceLine.Lost(12));
        assertThat(parse("{\"type\": \"lost_events\", \"data\": {\"events\": 3}}")).containsExactly(new BpftraceLine.Lost(3));
    }

    @Test
    void otherOutputIsUnparsable() {
        assertThat(parse("@ctxsw_hist[12]: many")).singleElement().isInstanceOf(BpftraceLine.Unparsable.class);
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@h\": {\"1\": \"x\"}}}")).singleElement().isInstanceOf(BpftraceLine.Unparsable.class);
        assertThat(parse("{not json")).singleElement().isInstanceOf(BpftraceLine.Unparsable.class);
        assertThat(parse("[0x7f] some other tool")).singleElement().isInstanceOf(BpftraceLine.Unparsable.class);
    }
}
