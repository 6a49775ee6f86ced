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

/*
 * Where a task's name is in struct task_struct, which user space finds in the kernel's BTF: set in the modes whose
 * programs have BTF (sched-tp, fentry), with --comm or --slower, so that the name is read in place with two loads
 * (current_comm); 0 otherwise (kprobe mode, which needs no BTF), and bpf_get_current_comm() copies it. With
 * --comm, the bytes of filter_comm that count: the name's and its NUL's (filter_comm_mask), since past the NUL a
 * name in place may hold what a longer one left there. In their own section, so that .rodata's offsets do not move.
 */
const volatile __u32 task_comm_offset SEC(".rodata.comm") = 0;
const volatile __u64 filter_comm_mask[2] SEC(".rodata.comm") = {};

/* --cpus: bit c%64 of word c/64 set for each CPU c wanted; a bitmap in .rodata needs no map lookup. */
const volatile __u64 cpu_mask[CPU_MASK_WORDS] = {};

/*
 * --pid and --tid with at most FILTER_IDS_INLINE ids in all: the ids and the FILTER_PID/FILTER_TID bits each
 * is wanted as, compared in line, fixed before load (0 ids: the lists are longer, see the ids map). A hash
 * lookup is a call to the hash function and one to memcmp, which made a rejection cost more than recording
 * the switch. In their own section, so that their offsets do not move with .rodata's other variables.
 */
const volatile __u32 inline_ids_count SEC(".rodata.ids") = 0;
const volatile __u32 inline_ids[FILTER_IDS_INLINE] SEC(".rodata.ids") = {};
const volatile __u8 inline_id_kinds[FILTER_IDS_INLINE] SEC(".rodata.ids") = {};

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

/*
 * --by=kind: whether to classify each switch (user space sets it before load), and per CPU its figures
 * by kind; max_entries is set to the CPUs with --by=kind, else left at 1 (unused). mmapped by user space.
 */
const volatile __u32 by_kind = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_kinds);
} kinds SEC(".maps");

/*
 * --by=cgroup: whether to break samples down by B's cgroup (user space sets it before load), and per CPU the
 * cgroups' entries: CPU_CGROUPS per CPU, in sets of CGROUP_WAYS chosen by the cgroup id (max_entries is set to
 * CPUs x CPU_CGROUPS with --by=cgroup, else left at 1, unused). mmapped by user space; each entry is written
 * by its CPU only. A sample whose set on its CPU other cgroups hold is counted in cgroup_dropped.
 */
const volatile __u32 by_cgroup = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_cgroup);
} cpu_cgroups SEC(".maps");

/* One entry per possible CPU (max_entries is set before load); mmapped by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_agg);
} cpus SEC(".maps");

/*
 * --top: renames of any task seen so far (exec, prctl(PR_SET_NAME), a write to /proc/PID/comm), counted by
 * ctxsw_rename; a task's name is read again when this moved (and once per interval), not at every sample.
 */
volatile __u32 renames = 0;

/*
 * --top, first: per CPU, CPU_TASKS entries in sets of CPU_TASK_WAYS chosen by the task's key (max_entries is
 * set to CPUs x CPU_TASKS before load, 1 without --top); mmapped by user space. Each entry is written by its
 * CPU only. A task whose set on this CPU other tasks hold goes to procs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_task);
} cpu_tasks SEC(".maps");
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
