package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.model.WallClock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The script's outlier lines read back: lines as bpftrace printed them (JSON printf data and text), the
 * state not seen, and a line whose name holds the separator (not read: skipped and counted by the caller).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BpftraceOutlierTest {
    /** Monotonic 0 is 1,000 s after the epoch. */
    private static final WallClock CLOCK = new WallClock(0, 1_000_000_000_000L);
    private static final CgroupPaths NO_CGROUP_V2 = new CgroupPaths(List.of());

    private static Outlier read(String line) {
        List<BpftraceLine.Entry> entries = BpftraceLine.parse(line, BpftraceResult.KEY_PARTS);
        assertThat(entries).hasSize(1).first().isInstanceOf(BpftraceLine.Printed.class);
        return BpftraceOutlier.parse(((BpftraceLine.Printed) entries.get(0)).text(), CLOCK, NO_CGROUP_V2);
    }

    @Test
    void aLineOfOurScriptReadsBackIntoAnOutlier() {
        Outlier o = read("{\"type\": \"printf\", \"data\": \"ctxswitch outlier 5000000123 1 6144 4321 1 4322 1\\tsched-pipe\\tweb worker\\n\"}");
        assertThat(o).isEqualTo(new Outlier(1_005_000_000_123L, Outlier.TimeBase.WALL, 1, 6144, 4321, "sched-pipe", "S",
                4322, "web worker", 1, "/", null));
    }

    /**
     * Lines bpftrace 0.23 printed on Linux 6.18 (the script with --slower=4096ns, sched-tp, while a pinned pipe
     * ping-pong ran; its tracepoint's prev_state is the TASK_REPORT form: 1 is S, 0 is R).
     */
    @Test
    void linesOfARealRunReadBack() {
        Outlier toIdle = read("{\"type\": \"printf\", \"data\": \"ctxswitch outlier 28314197743521 1 15603 24711 1 0 1\\tbpftrace\\tswapper/1\\n\"}");
        assertThat(toIdle).isEqualTo(new Outlier(1_000_000_000_000L + 28314197743521L, Outlier.TimeBase.WALL, 1, 15603, 24711,
                "bpftrace", "S", 0, "swapper/1", 1, "/", null));
        Outlier pingPong = read("{\"type\": \"printf\", \"data\": \"ctxswitch outlier 28314286497474 1 5818 24742 0 24741 1\\tsched-pipe\\tsched-pipe\\n\"}");
        assertThat(pingPong.prevPid()).isEqualTo(24742);
        assertThat(pingPong.prevState()).isEqualTo("R");
        assertThat(pingPong.nextPid()).isEqualTo(24741);
        assertThat(pingPong.nextComm()).isEqualTo("sched-pipe");
        assertThat(pingPong.latencyNs()).isEqualTo(5818);
    }

    /** The kind's number ends the line (SwitchKind's order, as the script's maps): -1 where the script does not classify. */
    @Test
    void theKindsNumberReadsBackAsItsNameAndMinusOneAsUnknown() {
        assertThat(read("ctxswitch outlier 7 0 9000 4321 1 4322 1 1\tping\tpong").kind()).isEqualTo("blocked");
        assertThat(read("ctxswitch outlier 7 0 9000 4321 0 4322 1 0\tping\tpong").kind()).isEqualTo("preempted");
        assertThat(read("ctxswitch outlier 7 0 9000 0 0 4322 1 4\tswapper/0\tpong").kind()).isEqualTo("from-idle");
        assertThat(read("ctxswitch outlier 7 0 9000 4321 1 0 1 5\tping\tswapper/0").kind()).isEqualTo("to-idle");
        assertThat(read("ctxswitch outlier 7 0 9000 4321 1 4322 1 -1\tping\tpong").kind()).isNull();
        assertThat(BpftraceOutlier.parse("ctxswitch outlier 7 0 9000 4321 1 4322 1 6\tping\tpong", CLOCK, NO_CGROUP_V2))
                .as("no seventh kind").isNull();
    }

    @Test
    void aStateNotSeenIsUnknownAndAnUnresolvedCgroupKeepsItsId() {
        Outlier o = read("ctxswitch outlier 7 0 9000 0 -1 17 4242\tswapper/0\tkworker/0:1");
        assertThat(o.prevState()).isNull();
        assertThat(o.prevComm()).isEqualTo("swapper/0");
        assertThat(o.cgroupId()).isEqualTo(4242);
        assertThat(o.cgroup()).isNull();
    }

    @Test
    void aNameHoldingTheSeparatorDoesNotReadBack() {
        assertThat(BpftraceOutlier.parse("ctxswitch outlier 7 0 9000 1 1 2 1\tta\tb\tc", CLOCK, NO_CGROUP_V2)).isNull();
        assertThat(BpftraceOutlier.parse("ctxswitch outlier 7 0 x 1 1 2 1\ta\tb", CLOCK, NO_CGROUP_V2)).isNull();
    }
}
