package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Golden lines, each copied from real perf script output (the fixtures beside this test). */
class PerfScriptParserTest {

    private static PerfRecord parse(String line) {
        return parse(line.getBytes(StandardCharsets.UTF_8));
    }

    private static PerfRecord parse(byte[] bytes) {
        PerfRecord r = new PerfRecord();
        PerfScriptParser.parse(bytes, 0, bytes.length, r);
        return r;
    }

    @Test
    void switchOutWithPreempt() {
        PerfRecord r = parse("      sched-pipe  7066 [000]  1141.492276659: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:  7065/7065 ");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SWITCH_OUT);
        assertThat(r.comm()).isEqualTo("sched-pipe");
        assertThat(r.tid()).isEqualTo(7066);
        assertThat(r.cpu()).isZero();
        assertThat(r.timeNs()).isEqualTo(1141_492276659L);
        assertThat(r.timeDigits()).isEqualTo(9);
        assertThat(r.otherPid()).isEqualTo(7065);
        assertThat(r.otherTid()).isEqualTo(7065);
    }

    @Test
    void switchInOfAThreadNamesItsProcess() {
        PerfRecord r = parse("            perf  7081 [001]  1141.496955630: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:  7078/7078 ");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SWITCH_IN);
        assertThat(r.tid()).isEqualTo(7081);
        assertThat(r.cpu()).isEqualTo(1);
        assertThat(r.otherTid()).isEqualTo(7078);
        PerfRecord out = parse("            perf  7078 [001]  1141.496953261: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:  7078/7081 ");
        assertThat(out.otherPid()).isEqualTo(7078);
        assertThat(out.otherTid()).isEqualTo(7081);
    }

    @Test
    void aThreadPerfCouldNotResolveIsMinusOne() {
        PerfRecord out = parse("             :-1    -1 [001]  1141.522135770: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:  7078/7078 ");
        assertThat(out.kind()).isEqualTo(PerfRecord.Kind.SWITCH_OUT);
        assertThat(out.comm()).isEqualTo(":-1");
        assertThat(out.tid()).isEqualTo(-1);
        PerfRecord in = parse("            perf  7078 [001]  1141.522137472: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    -1/-1   ");
        assertThat(in.kind()).isEqualTo(PerfRecord.Kind.SWITCH_IN);
        assertThat(in.otherTid()).isEqualTo(-1);
        assertThat(in.otherPid()).isEqualTo(-1);
    }

    @Test
    void namesWithSpacesColonsAndBrackets() {
        PerfRecord r = parse("   Web Content 9 10041 [000]  1664.582601761: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:     0/0    ");
        assertThat(r.comm()).isEqualTo("Web Content 9");
        assertThat(r.tid()).isEqualTo(10041);
        PerfRecord b = parse("       a:b [1] c 10042 [000]  1664.582728133: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:     0/0    ");
        assertThat(b.comm()).isEqualTo("a:b [1] c");
        assertThat(b.tid()).isEqualTo(10042);
        assertThat(b.timeNs()).isEqualTo(1664_582728133L);
    }

    @Test
    void namesThatAreNotUtf8StayWhole() {
        byte[] line = "       bad\u0000\u0000name 10044 [000]  1664.582925585: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:     0/0    "
                .getBytes(StandardCharsets.ISO_8859_1);
        line[10] = (byte) 0xff;
        line[11] = (byte) 0xfe;
        PerfRecord r = parse(line);
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SWITCH_OUT);
        assertThat(r.comm()).isEqualTo("bad\uFFFD\uFFFDname");
    }

    @Test
    void microsecondTimestamps() {
        PerfRecord r = parse("      sched-pipe  7066 [000]  1141.492274: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:  7065/7065 ");
        assertThat(r.timeNs()).isEqualTo(1141_492274000L);
        assertThat(r.timeDigits()).isEqualTo(6);
    }

    @Test
    void lostRecords() {
        PerfRecord r = parse("      sched-pipe  7065 [000]  1141.549501640: PERF_RECORD_LOST lost 57672");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.LOST);
        assertThat(r.lost()).isEqualTo(57672);
    }

    @Test
    void schedSwitchInTheKernelsFormat() {
        PerfRecord r = parse("   Web Content 9 10041 [000]  1664.582601253: sched:sched_switch: prev_comm=Web Content 9 prev_pid=10041 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SCHED_SWITCH);
        assertThat(r.comm()).isEqualTo("Web Content 9");
        assertThat(r.otherTid()).isZero();
    }

    @Test
    void perf612sWiderColumns() {
        PerfRecord r = parse("         swapper       0 [000]  1671.919119111: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid: 10096/10098");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SWITCH_OUT);
        assertThat(r.comm()).isEqualTo("swapper");
        assertThat(r.tid()).isZero();
        assertThat(r.otherPid()).isEqualTo(10096);
        assertThat(r.otherTid()).isEqualTo(10098);
    }

    @Test
    void schedSwitchInLibtraceeventsPluginFormat() {
        // perf 6.12 with libtraceevent1-plugin (Debian trixie)
        PerfRecord r = parse("   Web Content 9   10144 [000]  1673.174605997: sched:sched_switch: Web Content 9:10144 [120] S ==> swapper/0:0 [120]");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SCHED_SWITCH);
        assertThat(r.comm()).isEqualTo("Web Content 9");
        assertThat(r.tid()).isEqualTo(10144);
        assertThat(r.otherTid()).isZero();
        PerfRecord in = parse("         swapper       0 [000]  1673.175155140: sched:sched_switch: swapper/0:0 [120] R ==> Web Content 9:10144 [120]");
        assertThat(in.kind()).isEqualTo(PerfRecord.Kind.SCHED_SWITCH);
        assertThat(in.otherTid()).isEqualTo(10144);
    }

    @Test
    void crlfAndTrailingSpacesAreIgnored() {
        PerfRecord r = parse("      sched-pipe  7066 [000]  1141.492276659: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:  7065/7065 \r");
        assertThat(r.kind()).isEqualTo(PerfRecord.Kind.SWITCH_OUT);
        assertThat(r.otherTid()).isEqualTo(7065);
    }

    @Test
    void whatIsNotARecordIsSaidSo() {
        assertThat(parse("").kind()).isEqualTo(PerfRecord.Kind.NOTHING);
        assertThat(parse("# ========").kind()).isEqualTo(PerfRecord.Kind.NOTHING);
        assertThat(parse("{\"count\": 3}").kind()).isEqualTo(PerfRecord.Kind.MALFORMED);
        assertThat(parse("      sched-pipe  7066 [000]  1141.49227").kind()).isEqualTo(PerfRecord.Kind.MALFORMED);
        assertThat(parse("      sched-pipe  7066 [000]  1141.492276659: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:").kind())
                .isEqualTo(PerfRecord.Kind.MALFORMED);
        assertThat(parse("            perf  7078 [001]  1141.548492300: cycles:  ffffffff8100 do_idle").kind())
                .isEqualTo(PerfRecord.Kind.OTHER);
    }
}
