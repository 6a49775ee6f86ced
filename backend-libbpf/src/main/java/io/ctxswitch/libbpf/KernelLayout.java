package io.ctxswitch.libbpf;

import io.ctxswitch.core.stats.LogLinearBuckets;

/**
 * Mirrors ctxswitch.h: sizes and offsets of the maps' values, and the log-linear histogram buckets.
 * KernelLayoutTest checks every number here against the BTF of the committed object.
 */
final class KernelLayout {
    static final int SUB_BITS = LogLinearBuckets.SUB_BITS;
    static final int MAX_EXP = LogLinearBuckets.MAX_EXP;
    static final int NBUCKETS = LogLinearBuckets.COUNT;
    static final int PROC_TABLE_SIZE = 16384;
    static final int CPU_MASK_WORDS = 128;

    // FILTER_* bits of .rodata's filters, and of the ids map's values
    static final int FILTER_PID = 1;
    static final int FILTER_TID = 2;
    static final int FILTER_COMM = 4;
    static final int FILTER_CGROUP = 8;
    static final int FILTER_CPUS = 16;
    static final int FILTER_EXCLUDE_IDLE = 32;

    // struct interval_slot
    static final int SLOT_EPOCH = 0;
    static final int SLOT_COUNT = 8;
    static final int SLOT_SUM = 16;
    static final int SLOT_MIN = 24;
    static final int SLOT_MAX = 32;
    static final int SLOT_SIZE = 40;

    /** The slot of {@code epoch} in a slot pair (struct interval_slot[2]) that starts at {@code pair}: by parity. */
    static long slot(long pair, long epoch) {
        return pair + (epoch & 1) * SLOT_SIZE;
    }

    // struct cpu_agg
    static final int CPU_UNPAIRED = 24;
    static final int CPU_NO_SWITCH = 32;
    static final int CPU_PROC_DROPPED = 40;
    static final int CPU_UNTIMED_START = 48;
    static final int CPU_UNTIMED_END = 56;
    static final int CPU_FILTERED = 64;
    static final int CPU_PREV_IDLE = 72;
    static final int CPU_SLOTS = 80;
    static final int CPU_HIST = 160;
    // --slower, after the histogram
    static final int CPU_OUTLIERS_LOST = CPU_HIST + NBUCKETS * 8;
    static final int CPU_PREV_ID = CPU_OUTLIERS_LOST + 8;
    static final int CPU_PREV_STATE = CPU_PREV_ID + 8;
    static final int CPU_PREV_COMM = CPU_PREV_STATE + 8;
    // --by=cgroup, after --slower's
    static final int CPU_CGROUP_DROPPED = CPU_PREV_COMM + 16;
    // fentry's pairing state, after --by=cgroup's (never read by user space)
    static final int CPU_START_GEN = CPU_CGROUP_DROPPED + 8;
    static final int CPU_AGG_SIZE = CPU_START_GEN + 8;

    // struct outlier, the ring buffer's records: not in the object's BTF (a ring buffer map names no
    // value type), so checked live instead (SlowerIT: every field of real records must make sense)
    static final int OUT_END_NS = 0;
    static final int OUT_LATENCY_NS = 8;
    static final int OUT_PREV_ID = 16;
    static final int OUT_NEXT_ID = 24;
    static final int OUT_PREV_STATE = 32;
    static final int OUT_CGROUP_ID = 40;
    static final int OUT_CPU = 48;
    static final int OUT_KIND = 52;
    static final int OUT_PREV_COMM = 56;
    static final int OUT_NEXT_COMM = 72;
    static final int OUTLIER_SIZE = 88;
    /** OUTLIER_PREEMPTED: prev_state's mark of a preempted A. */
    static final long OUTLIER_PREEMPTED = 1L << 32;

    // --by=kind: KIND_* indexes are SwitchKind's ordinals (KernelLayoutTest checks the defines)
    static final int NKINDS = 6;
    static final int STATE_TASK_DEAD = 0x80;

    // struct kind_agg
    static final int KIND_SLOTS = 0;
    static final int KIND_HIST = 80;
    static final int KIND_AGG_SIZE = KIND_HIST + NBUCKETS * 8;

    // struct cpu_kinds
    static final int KINDS_SWITCH_KIND = 0;
    static final int KINDS_YIELD_TASK = 8;
    static final int KINDS_KIND = 16;
    static final int CPU_KINDS_SIZE = KINDS_KIND + NKINDS * KIND_AGG_SIZE;

    // --by=cgroup: struct cgroup_slot (an interval's exact figures and log2 histogram of one cgroup on one CPU)
    static final int CGROUP_BUCKETS = 40;
    static final int CGROUP_SLOT_EXACT = 0;
    static final int CGROUP_SLOT_HIST = SLOT_SIZE;
    static final int CGROUP_SLOT_SIZE = CGROUP_SLOT_HIST + CGROUP_BUCKETS * 8;

    // struct cpu_cgroup: the per-CPU cgroup table's entries, CPU_CGROUPS per CPU (in sets of 4 in the kernel)
    static final int CPU_CGROUPS = 64;
    static final int CPU_CGROUP_ID = 0;
    static final int CPU_CGROUP_SLOTS = 8;
    static final int CPU_CGROUP_SIZE = CPU_CGROUP_SLOTS + 2 * CGROUP_SLOT_SIZE;

    /** The cgroup slot of {@code epoch} in a struct cgroup_slot[2] that starts at {@code pair}: by parity. */
    static long cgroupSlot(long pair, long epoch) {
        return pair + (epoch & 1) * CGROUP_SLOT_SIZE;
    }

    // struct proc_agg (the map's value size is rounded up to 8)
    static final int PROC_SLOTS = 0;
    static final int PROC_TGID = 80;
    static final int PROC_COMM = 84;
    static final int COMM_LEN = 16;
    static final int PROC_RENAMES = 100;
    static final int PROC_AGG_SIZE = 104;

    // struct cpu_task: the per-CPU task table's entries, CPU_TASKS per CPU (in sets of 4 in the kernel)
    static final int CPU_TASKS = 128;
    static final int CPU_TASK_KEY = 0;
    static final int CPU_TASK_AGG = 8;
    static final int CPU_TASK_SIZE = CPU_TASK_AGG + PROC_AGG_SIZE;

    // .data and .rodata
    static final int DATA_EPOCH = 0;
    static final int DATA_ARMED_NS = 8;
    static final int DATA_SIZE = 16;
    static final int RODATA_PER_TASK = 0;
    static final int RODATA_FILTERS = 4;
    static final int RODATA_FILTER_COMM = 8;
    static final int RODATA_CPU_MASK = 24;
    // .rodata.ids: --pid/--tid ids compared in line
    static final int FILTER_IDS_INLINE = 8;
    static final int RODATA_IDS_COUNT = 0;
    static final int RODATA_IDS = 4;
    static final int RODATA_ID_KINDS = 36;
    // .rodata.comm: where the kernel keeps a task's name, and the bytes of filter_comm that count
    static final int RODATA_TASK_COMM_OFFSET = 0;
    static final int RODATA_FILTER_COMM_MASK = 8;
    static final int RODATA_BY_KIND = 1048;
    static final int RODATA_BY_CGROUP = 1052;
    static final int RODATA_SLOWER_NS = 1056;

    private KernelLayout() {
    }
}
