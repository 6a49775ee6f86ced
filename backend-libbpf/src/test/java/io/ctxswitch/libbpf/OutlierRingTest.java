package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.model.WallClock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A struct outlier as the programs write it into the ring buffer, read back by OutlierRing.decode. */
class OutlierRingTest {

    private static Memory record(int kind) {
        Memory m = new Memory(KernelLayout.OUTLIER_SIZE);
        m.clear();
        m.setLong(KernelLayout.OUT_END_NS, 5_000);
        m.setLong(KernelLayout.OUT_LATENCY_NS, 1_270_000);
        m.setLong(KernelLayout.OUT_PREV_ID, (4321L << 32) | 4321);
        m.setLong(KernelLayout.OUT_NEXT_ID, (4322L << 32) | 4322);
        m.setLong(KernelLayout.OUT_PREV_STATE, 1); // TASK_INTERRUPTIBLE: S
        m.setLong(KernelLayout.OUT_CGROUP_ID, 123_456_789L);
        m.setInt(KernelLayout.OUT_CPU, 1);
        m.setInt(KernelLayout.OUT_KIND, kind);
        m.write(KernelLayout.OUT_PREV_COMM, "sched-pipe".getBytes(StandardCharsets.US_ASCII), 0, 10);
        m.write(KernelLayout.OUT_NEXT_COMM, "worker".getBytes(StandardCharsets.US_ASCII), 0, 6);
        return m;
    }

    /** The switch's kind is the programs' KIND_* index (SwitchKind's ordinal); NKINDS, unknown, gives null. */
    @Test
    @Timeout(60)
    void anOutlierCarriesTheKindTheProgramsClassifiedItAs() {
        WallClock clock = new WallClock(0, 1_000_000_000_000L);
        CgroupPaths cgroups = new CgroupPaths(List.of());
        for (SwitchKind k : SwitchKind.values()) {
            Outlier o = OutlierRing.decode(record(k.ordinal()), clock, cgroups);
            assertThat(o.kind()).as(k.name()).isEqualTo(k.label());
        }
        Outlier o = OutlierRing.decode(record(KernelLayout.NKINDS), clock, cgroups);
        assertThat(o.kind()).isNull();
        assertThat(o.cpu()).isEqualTo(1);
        assertThat(o.latencyNs()).isEqualTo(1_270_000);
        assertThat(o.prevPid()).isEqualTo(4321);
        assertThat(o.prevComm()).isEqualTo("sched-pipe");
        assertThat(o.prevState()).isEqualTo("S");
        assertThat(o.nextPid()).isEqualTo(4322);
        assertThat(o.nextComm()).isEqualTo("worker");
        assertThat(o.timeNs()).isEqualTo(1_000_000_005_000L);
    }
}
