package io.ctxswitch.libbpf;

import io.ctxswitch.core.spi.SwitchFilter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link SwitchFilter} as the BPF program takes it (maps.bpf.h): the FILTER_* bits, the name and the
 * CPU bitmap in .rodata, the ids in the ids map, the cgroup in the cgroup map. Values only: nothing
 * the user typed becomes code.
 */
final class KernelFilter {
    private final SwitchFilter filter;

    KernelFilter(SwitchFilter filter) {
        this.filter = filter;
    }

    /** .rodata's filters: one FILTER_* bit per filter given, 0 for none (the program then tests nothing). */
    int bits() {
        int bits = 0;
        bits |= filter.pids().isEmpty() ? 0 : KernelLayout.FILTER_PID;
        bits |= filter.tids().isEmpty() ? 0 : KernelLayout.FILTER_TID;
        bits |= filter.comm() == null ? 0 : KernelLayout.FILTER_COMM;
        bits |= filter.cgroup() == null ? 0 : KernelLayout.FILTER_CGROUP;
        bits |= filter.cpus().isEmpty() ? 0 : KernelLayout.FILTER_CPUS;
        bits |= filter.excludeIdle() ? KernelLayout.FILTER_EXCLUDE_IDLE : 0;
        return bits;
    }

    /** .rodata's filter_comm: the name zero-padded to 16 bytes, as bpf_get_current_comm() gives it. */
    byte[] comm() {
        byte[] padded = new byte[KernelLayout.COMM_LEN];
        if (filter.comm() != null) {
            byte[] name = filter.comm().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(name, 0, padded, 0, name.length); // at most 15 bytes: SwitchFilter checked
        }
        return padded;
    }

    /**
     * .rodata.comm's filter_comm_mask: all ones over the name and its NUL, zero after, so that the program ignores
     * the bytes past a name's end, which a task's name read in place may hold from a longer, older name.
     */
    byte[] commMask() {
        byte[] mask = new byte[KernelLayout.COMM_LEN];
        if (filter.comm() != null) {
            java.util.Arrays.fill(mask, 0, filter.comm().getBytes(StandardCharsets.UTF_8).length + 1, (byte) 0xff);
        }
        return mask;
    }

    /** Whether the program compares names (--comm). */
    boolean comparesNames() {
        return filter.comm() != null;
    }

    /** .rodata's cpu_mask: bit c % 64 of word c / 64 for each CPU c. */
    long[] cpuMask() {
        long[] words = new long[KernelLayout.CPU_MASK_WORDS];
        for (int cpu : filter.cpus()) {
            words[cpu >> 6] |= 1L << (cpu & 63);
        }
        return words;
    }

    /** The ids map's entries: each id with the kinds it is wanted as (FILTER_PID, FILTER_TID or both). */
    Map<Integer, Byte> ids() {
        Map<Integer, Byte> ids = new TreeMap<>();
        filter.pids().forEach(id -> ids.merge(id, (byte) KernelLayout.FILTER_PID, (a, b) -> (byte) (a | b)));
        filter.tids().forEach(id -> ids.merge(id, (byte) KernelLayout.FILTER_TID, (a, b) -> (byte) (a | b)));
        return ids;
    }

    /**
     * .rodata.ids: the ids and their kinds when there are at most FILTER_IDS_INLINE of them, compared in line
     * by the program (no hash lookup per switch); empty when there are none or more (the ids map then).
     */
    Map<Integer, Byte> inlineIds() {
        Map<Integer, Byte> ids = ids();
        return ids.size() <= KernelLayout.FILTER_IDS_INLINE ? ids : Map.of();
    }

    /** The ids map's size: a hash map needs at least one entry even when unused. */
    int idsCapacity() {
        return Math.max(1, ids().size());
    }

    /** The cgroup v2 directory, or null. */
    java.nio.file.Path cgroup() {
        return filter.cgroup();
    }
}
