package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.SwitchFilter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** What the BPF program is given for each filter (maps.bpf.h). */
class KernelFilterTest {

    private static SwitchFilter filter(Set<Integer> pids, Set<Integer> tids, String comm, Path cgroup, Set<Integer> cpus, boolean idle) {
        return new SwitchFilter(new TreeSet<>(pids), new TreeSet<>(tids), comm, cgroup, new TreeSet<>(cpus), idle);
    }

    @Test
    void noFilterSetsNoBitAndAnUnusedOneEntryMap() {
        KernelFilter none = new KernelFilter(SwitchFilter.NONE);
        assertThat(none.bits()).isZero();
        assertThat(none.ids()).isEmpty();
        assertThat(none.idsCapacity()).isEqualTo(1);
        assertThat(none.cpuMask()).containsOnly(0L);
        assertThat(none.comm()).containsOnly((byte) 0);
        assertThat(none.commMask()).containsOnly((byte) 0);
    }

    @Test
    void eachFilterSetsItsOwnBit() {
        assertThat(new KernelFilter(filter(Set.of(1), Set.of(), null, null, Set.of(), false)).bits()).isEqualTo(KernelLayout.FILTER_PID);
        assertThat(new KernelFilter(filter(Set.of(), Set.of(1), null, null, Set.of(), false)).bits()).isEqualTo(KernelLayout.FILTER_TID);
        assertThat(new KernelFilter(filter(Set.of(), Set.of(), "x", null, Set.of(), false)).bits()).isEqualTo(KernelLayout.FILTER_COMM);
        assertThat(new KernelFilter(filter(Set.of(), Set.of(), null, Path.of("/cg"), Set.of(), false)).bits()).isEqualTo(KernelLayout.FILTER_CGROUP);
        assertThat(new KernelFilter(filter(Set.of(), Set.of(), null, null, Set.of(0), false)).bits()).isEqualTo(KernelLayout.FILTER_CPUS);
        assertThat(new KernelFilter(filter(Set.of(), Set.of(), null, null, Set.of(), true)).bits()).isEqualTo(KernelLayout.FILTER_EXCLUDE_IDLE);
    }

    @Test
    void anIdWantedAsBothProcessAndThreadIsOneEntryWithBothKinds() {
        KernelFilter f = new KernelFilter(filter(Set.of(10, 20), Set.of(20, 30), null, null, Set.of(), false));
        assertThat(f.ids()).isEqualTo(Map.of(10, (byte) KernelLayout.FILTER_PID,
                20, (byte) (KernelLayout.FILTER_PID | KernelLayout.FILTER_TID), 30, (byte) KernelLayout.FILTER_TID));
        assertThat(f.idsCapacity()).isEqualTo(3);
    }

    /** Up to FILTER_IDS_INLINE ids in all are compared in line by the program; more go to the ids map only. */
    @Test
    void aFewIdsAreComparedInLineAndMoreAreLookedUp() {
        KernelFilter few = new KernelFilter(filter(Set.of(10, 20), Set.of(20, 30), null, null, Set.of(), false));
        assertThat(few.inlineIds()).isEqualTo(few.ids());
        Set<Integer> eight = Set.of(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(new KernelFilter(filter(eight, Set.of(), null, null, Set.of(), false)).inlineIds()).hasSize(8);
        KernelFilter nine = new KernelFilter(filter(eight, Set.of(9), null, null, Set.of(), false));
        assertThat(nine.inlineIds()).isEmpty();
        assertThat(nine.ids()).hasSize(9);
        assertThat(new KernelFilter(SwitchFilter.NONE).inlineIds()).isEmpty();
    }

    @Test
    void cpusAreBitsOfSixtyFourBitWords() {
        long[] mask = new KernelFilter(filter(Set.of(), Set.of(), null, null, Set.of(0, 3, 63, 64, 8191), false)).cpuMask();
        assertThat(mask).hasSize(KernelLayout.CPU_MASK_WORDS);
        assertThat(mask[0]).isEqualTo(0b1001L | 1L << 63);
        assertThat(mask[1]).isEqualTo(1L);
        assertThat(mask[127]).isEqualTo(1L << 63);
        assertThat(mask[2]).isZero();
    }

    @Test
    void theNameIsZeroPaddedToSixteenBytes() {
        byte[] comm = new KernelFilter(filter(Set.of(), Set.of(), "a\"b;{", null, Set.of(), false)).comm();
        assertThat(comm).hasSize(16).startsWith('a', '"', 'b', ';', '{');
        assertThat(java.util.Arrays.copyOfRange(comm, 5, 16)).containsOnly((byte) 0);
    }

    /** The program compares the name's bytes and its NUL, not what follows the NUL in the task (maps.bpf.h). */
    @Test
    void theMaskCoversTheNameAndItsNulOnly() {
        byte[] mask = new KernelFilter(filter(Set.of(), Set.of(), "ab", null, Set.of(), false)).commMask();
        assertThat(java.util.Arrays.copyOfRange(mask, 0, 3)).containsOnly((byte) 0xff);
        assertThat(java.util.Arrays.copyOfRange(mask, 3, 16)).containsOnly((byte) 0);
        assertThat(new KernelFilter(filter(Set.of(), Set.of(), "fifteen-bytes-x", null, Set.of(), false)).commMask())
                .hasSize(16).containsOnly((byte) 0xff);
    }
}
