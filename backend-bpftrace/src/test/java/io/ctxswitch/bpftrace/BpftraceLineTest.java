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

    @Test
    void jsonMaps() {
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_unpaired\": 1}}"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_unpaired", List.of(), 1));
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"1\": 17, \"0\": 20}}}")).containsExactly(
                new BpftraceLine.MapValue("@ctxsw_n", List.of("1"), 17), new BpftraceLine.MapValue("@ctxsw_n", List.of("0"), 20));
        assertThat(parse("{\"type\": \"map\", \"data\": {\"@ctxsw_task_n\": {\"0,0,swapper/1\": 5}}}"))
                .containsExactly(new BpftraceLine.MapValue("@ctxsw_task_n", List.of("0", "0", "swapper/1"), 5));
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
