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

/* One entry per possible CPU (max_entries is set before load); mmapped by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_agg);
} cpus SEC(".maps");

/* Latency per incoming task; bounded, and what does not fit is counted in proc_dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROC_TABLE_SIZE);
	__type(key, __u64);
	__type(value, struct proc_agg);
} procs SEC(".maps");

#endif
