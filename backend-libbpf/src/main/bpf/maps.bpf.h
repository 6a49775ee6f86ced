/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The program's globals and maps, in their own header so that the test program the verifier must
 * refuse (src/test/bpf/rejected.bpf.c) has exactly the same ones. Included by one source file each.
 */
#ifndef CTXSWITCH_MAPS_BPF_H
#define CTXSWITCH_MAPS_BPF_H

/* What user space changes while the programs run, in .data (written whole, by a map update). */
volatile struct control ctl = {
	.epoch = 1,	/* so that a zeroed slot never looks current */
};

/* Whether to keep the per-task table: user space sets it before load, only when asked to report tasks. */
const volatile __u32 per_task = 1;

/*
 * The filters (docs/filters.md), fixed before load: the verifier then drops every test that is not asked
 * for, so a run without filters executes none of them. FILTER_* bits.
 */
const volatile __u32 filters = 0;

/* --comm: the name, zero-padded to 16 bytes as bpf_get_current_comm() gives it; two words compare in two steps. */
const volatile __u64 filter_comm[2] = {};

/* --cpus: bit c%64 of word c/64 set for each CPU c wanted; a bitmap in .rodata needs no map lookup. */
const volatile __u64 cpu_mask[CPU_MASK_WORDS] = {};

/*
 * --pid and --tid: the ids wanted, each with the FILTER_PID and/or FILTER_TID bits it is wanted as (a tgid,
 * a tid, or both). A hash map because the lists are short and the ids sparse; user space sizes it to the
 * lists before load (1 entry, unused, without them) and fills it before attaching.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} ids SEC(".maps");

/*
 * --cgroup: entry 0 holds the cgroup v2 directory (user space puts its fd there before attaching), for
 * bpf_current_task_under_cgroup(), which walks B's cgroup's ancestors: descendants count, those created
 * after start included. A map because the helper takes a cgroup only from one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup SEC(".maps");

/* One entry per possible CPU (max_entries is set before load); mmapped by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_agg);
} cpus SEC(".maps");

/* --slower: the threshold in ns, 0 for off (the verifier then drops all of the outlier code). */
const volatile __u64 slower_ns = 0;

/*
 * --slower: the outliers, to user space (struct outlier). Sized by user space before load: one page when
 * --slower is off, since a ring buffer cannot be empty.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} outliers SEC(".maps");

/* Latency per incoming task; bounded, and what does not fit is counted in proc_dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROC_TABLE_SIZE);
	__type(key, __u64);
	__type(value, struct proc_agg);
} procs SEC(".maps");

#endif
