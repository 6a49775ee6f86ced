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
/* --cpus: a bitmap of this many 64-bit words, 8192 CPUs (the largest NR_CPUS distributions build). */
#define CPU_MASK_WORDS 128

/* The filters in force (the bits of `filters`, set before load) and the kinds of id in the `ids` map. */
#define FILTER_PID		1	/* --pid: B's tgid is in ids with this bit */
#define FILTER_TID		2	/* --tid: B's tid is in ids with this bit */
#define FILTER_COMM		4	/* --comm: B's name is filter_comm */
#define FILTER_CGROUP		8	/* --cgroup: B is in the cgroup of the `cgroup` map or below it */
#define FILTER_CPUS		16	/* --cpus: the switch's CPU is in cpu_mask */
#define FILTER_EXCLUDE_IDLE	32	/* --exclude-idle: neither A nor B is an idle task (pid 0) */

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
	__u64 untimed_end;		/* cumulative: switches sched_switch saw whose end no probe saw */
	__u64 filtered;			/* cumulative: paired switches the filters left out (neither samples nor unpaired) */
	__u64 prev_idle;		/* --exclude-idle: whether A, the task that started the switch, is an idle task */
	struct interval_slot slot[2];	/* exact count/sum/min/max per interval */
	__u64 hist[NBUCKETS];		/* cumulative log-linear histogram */
	/* --slower (at the end, so that the fields above keep their offsets): */
	__u64 outliers_lost;		/* cumulative: outliers the full ring buffer could not take */
	__u64 prev_id;			/* A's pid_tgid, noted at the start while A is current */
	__u64 prev_state;		/* A's state from sched_switch: its raw prev_state, or OUTLIER_PREEMPTED */
	char prev_comm[16];		/* A's name, noted at the start */
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
	__u32 pad;
	char prev_comm[16];
	char next_comm[16];
};

struct proc_agg {
	struct interval_slot slot[2];
	__u32 tgid;
	char comm[16];
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
