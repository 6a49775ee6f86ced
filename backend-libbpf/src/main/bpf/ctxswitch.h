/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map layouts shared by the BPF program and user space. KernelLayout.java mirrors them, and
 * KernelLayoutTest checks the mirror against the BTF of the compiled object.
 */
#ifndef CTXSWITCH_H
#define CTXSWITCH_H

/* 2^7 = 128 buckets per power of two: each at most 1/128 (0.78 %) wide relative to its start. */
#define SUB_BITS 7
/* Values of 2^36 ns (68.7 s) and above share the last bucket; exact min/max still hold them. */
#define MAX_EXP 35
#define NBUCKETS ((MAX_EXP - SUB_BITS + 2) << SUB_BITS)
/* Distinct tasks with their own figures; more are counted in proc_dropped. */
#define PROC_TABLE_SIZE 16384
/*
 * --top: entries per CPU in cpu_tasks, the per-CPU table tried before procs: CPU_TASK_WAYS entries per
 * set, and a task's set on a CPU is its key's low bits (powers of two). With one entry per set, a busy
 * CPU's tasks took the ping-pong's entries often enough to send it to the hash table in most runs.
 */
#define CPU_TASK_WAYS 4
#define CPU_TASKS 128
/*
 * --by=cgroup: entries per CPU in cpu_cgroups, CGROUP_WAYS per set, a cgroup's set on a CPU being its id's low
 * bits (powers of two, as for cpu_tasks); and the log2 buckets of each entry's histogram: bucket i holds
 * [2^i, 2^(i+1)) ns (0 and 1 ns in bucket 0), 2^(CGROUP_BUCKETS-1) ns (9.2 min) and above the last one.
 */
#define CGROUP_WAYS 4
#define CPU_CGROUPS 64
#define CGROUP_BUCKETS 40
/* --cpus: a bitmap of this many 64-bit words, 8192 CPUs (the largest NR_CPUS distributions build). */
#define CPU_MASK_WORDS 128
/* --pid and --tid: up to this many ids in all are compared in line (.rodata.ids); more are looked up in ids. */
#define FILTER_IDS_INLINE 8

/* The filters in force (the bits of `filters`, set before load) and the kinds of id in the `ids` map. */
#define FILTER_PID		1	/* --pid: B's tgid is in ids with this bit */
#define FILTER_TID		2	/* --tid: B's tid is in ids with this bit */
#define FILTER_COMM		4	/* --comm: B's name is filter_comm */
#define FILTER_CGROUP		8	/* --cgroup: B is in the cgroup of the `cgroup` map or below it */
#define FILTER_CPUS		16	/* --cpus: the switch's CPU is in cpu_mask */
#define FILTER_EXCLUDE_IDLE	32	/* --exclude-idle: neither A nor B is an idle task (pid 0) */

/*
 * --by=kind: the kinds of switch (SwitchKind.java, in its order). A switch is from-idle if A is an idle task,
 * else to-idle if B is, else by how A left, from sched_switch's preempt and prev_state.
 */
#define KIND_PREEMPTED		0	/* preempt, or A still runnable (TASK_RUNNING) and not yielding */
#define KIND_BLOCKED		1	/* A went to sleep: prev_state not TASK_RUNNING, and not TASK_DEAD */
#define KIND_YIELD		2	/* A is running sched_yield() (marked at its syscall's entry) and still runnable */
#define KIND_EXIT		3	/* prev_state has TASK_DEAD: A's last switch */
#define KIND_FROM_IDLE		4	/* A is an idle task (pid 0) */
#define KIND_TO_IDLE		5	/* B is an idle task */
#define NKINDS			6
/* include/linux/sched.h's TASK_DEAD, the same value since Linux 4.14. */
#define STATE_TASK_DEAD		0x80

/* Exact figures of one interval (epoch). Two per owner, by epoch parity. */
struct interval_slot {
	__u64 epoch;
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns;
	__u64 max_ns;
};

struct cpu_agg {
	__u64 start_ns;			/* pairing: when the task entering __schedule() stopped; 0 = none */
	__u64 prev_task;		/* fentry/kprobe: the task that entered __schedule() (A) */
	__u64 next_task;		/* fentry/kprobe: the task sched_switch chose (B), whose end is awaited; 0 = none */
	__u64 unpaired;			/* cumulative: entries or exits without their other end */
	__u64 no_switch;		/* cumulative: __schedule() picked the same task */
	__u64 proc_dropped;		/* cumulative: samples not attributed, the task table was full */
	__u64 untimed_start;		/* cumulative: switches sched_switch saw whose start no probe saw */
	__u64 untimed_end;		/* cumulative: switches sched_switch saw whose end no probe saw (or read: fentry) */
	__u64 filtered;			/* cumulative: paired switches the filters left out (neither samples nor unpaired) */
	__u64 prev_idle;		/* --exclude-idle: whether A, the task that started the switch, is an idle task */
	struct interval_slot slot[2];	/* exact count/sum/min/max per interval */
	__u64 hist[NBUCKETS];		/* cumulative log-linear histogram */
	/* --slower (at the end, so that the fields above keep their offsets): */
	__u64 outliers_lost;		/* cumulative: outliers the full ring buffer could not take */
	__u64 prev_id;			/* A's pid_tgid, noted at the start while A is current */
	__u64 prev_state;		/* A's state from sched_switch: its raw prev_state, or OUTLIER_PREEMPTED */
	char prev_comm[16];		/* A's name, noted at the start */
	/* --by=cgroup (at the end, like --slower's fields): */
	__u64 cgroup_dropped;		/* cumulative: samples not attributed, every entry of their cgroup's set was taken */
	/* fentry (at the end, like the fields above): */
	__u64 start_gen;		/* pairing: starts on this CPU, so that a preempted end sees one came in between */
};

/*
 * --slower: A's state as noted from sched_switch: its prev_state argument, the raw task state (since Linux
 * 5.18 the tracepoint passes p->__state; only its text form is the TASK_REPORT one), or this bit when
 * sched_switch said preempt (A still runnable, whatever its state said).
 */
#define OUTLIER_PREEMPTED	(1ULL << 32)

/* --slower: one switch at or above the threshold, sent through the outliers ring buffer. */
struct outlier {
	__u64 end_ns;			/* bpf_ktime_get_ns() when B started */
	__u64 latency_ns;
	__u64 prev_id;			/* A: tgid << 32 | pid */
	__u64 next_id;			/* B */
	__u64 prev_state;		/* A's state (raw prev_state or OUTLIER_PREEMPTED), ~0 if no sched_switch was seen */
	__u64 cgroup_id;		/* B's cgroup v2 id */
	__u32 cpu;
	__u32 kind;			/* KIND_* of the switch, as --by=kind classifies it; NKINDS if unknown */
	char prev_comm[16];
	char next_comm[16];
};

/* --by=kind: one CPU's figures per kind, and how the switch under way on it came about. */
struct kind_agg {
	struct interval_slot slot[2];	/* exact count/sum/min/max per interval */
	__u64 hist[NBUCKETS];		/* cumulative log-linear histogram */
};

struct cpu_kinds {
	__u64 switch_kind;		/* KIND_* of A's leaving, set by sched_switch for the end of that switch */
	__u64 yield_task;		/* the task inside sched_yield() on this CPU (its address), 0 for none */
	struct kind_agg kind[NKINDS];
};

/*
 * --by=cgroup: one interval's figures of one cgroup on one CPU: exact, and a log2 histogram for its p99. The
 * histogram is per interval too (reset with the slot), so that an entry can change hands between intervals.
 */
struct cgroup_slot {
	struct interval_slot exact;
	__u64 hist[CGROUP_BUCKETS];
};

/* One entry of cpu_cgroups: a cgroup's figures on one CPU, written only by that CPU. */
struct cpu_cgroup {
	__u64 id;			/* the cgroup v2 id (bpf_get_current_cgroup_id()); 0 = never used */
	struct cgroup_slot slot[2];	/* by epoch parity */
};

struct proc_agg {
	struct interval_slot slot[2];
	__u32 tgid;
	char comm[16];
	__u32 renames;			/* `renames` when comm was last read: read again once it moved */
};

/* One entry of cpu_tasks: a task's figures on one CPU, written only by that CPU. */
struct cpu_task {
	__u64 key;			/* the task, keyed as in procs; 0 = never used */
	struct proc_agg agg;
};

struct control {
	/*
	 * The interval user space is collecting. User space advances it at each drain and then reads the
	 * slots of the previous one, which no CPU writes any more.
	 */
	__u64 epoch;
	/*
	 * When every program was attached (bpf_ktime_get_ns), 0 before and again once detaching begins:
	 * programs attach one by one, and a start taken before this may have missed its other half, so
	 * it is neither a sample nor unpaired; what is found unmatched while unarmed is not counted.
	 */
	__u64 armed_ns;
};

#endif
