// SPDX-License-Identifier: GPL-2.0
/*
 * Where the per-task table's cost goes (bench/per-task-variants.sh): variants of the exit program's
 * per-task work, each its own program on sched_exit_tp, all attached at once, so that the kernel's
 * bpf_stats gives each one's cost per run over the same switches. Every variant first does what the
 * plain program does (clock, this CPU's figures, the exact slot and the histogram bucket), then its
 * own per-task work; v_plain does nothing more. Not ctxswitch's code: a bench of alternatives to it
 * (the real programs are measured in the same run by loading ctxswitch.bpf.o itself).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../../backend-libbpf/src/main/bpf/ctxswitch.h"
#include "../../backend-libbpf/src/main/bpf/histogram.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AREA_CPUS 8	/* the loader refuses machines with more possible CPUs */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AREA_CPUS);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

#define CPU_AREA(name)                                          \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_ARRAY);               \
		__uint(max_entries, AREA_CPUS);                 \
		__type(key, __u32);                             \
		__type(value, struct cpu_agg);                  \
	} name SEC(".maps")

#define TASK_TABLE(name, kind, flags)                           \
	struct {                                                \
		__uint(type, kind);                             \
		__uint(map_flags, flags);                       \
		__uint(max_entries, PROC_TABLE_SIZE);           \
		__type(key, __u64);                             \
		__type(value, struct proc_agg);                 \
	} name SEC(".maps")

CPU_AREA(area_plain);
CPU_AREA(area_hash);
CPU_AREA(area_hash_nocomm);
CPU_AREA(area_hash_2pid);
CPU_AREA(area_noprealloc);
CPU_AREA(area_percpu);
CPU_AREA(area_lru);
CPU_AREA(area_task_storage);
CPU_AREA(area_comm);
CPU_AREA(area_pid);
TASK_TABLE(procs_hash, BPF_MAP_TYPE_HASH, 0);
TASK_TABLE(procs_hash_nocomm, BPF_MAP_TYPE_HASH, 0);
TASK_TABLE(procs_hash_2pid, BPF_MAP_TYPE_HASH, 0);
TASK_TABLE(procs_noprealloc, BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC);
TASK_TABLE(procs_percpu, BPF_MAP_TYPE_PERCPU_HASH, 0);
TASK_TABLE(procs_lru, BPF_MAP_TYPE_LRU_HASH, 0);

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct proc_agg);
} procs_task_storage SEC(".maps");

/* The plain program's work; the latency in *d, this CPU in *cpu; 0 if there is no sample. */
static __always_inline struct cpu_agg *plain(__u64 *ctx, void *area, __u64 *d, __u32 *cpu)
{
	__u64 now = bpf_ktime_get_ns(), *start, b;
	struct cpu_agg *a;

	*cpu = bpf_get_smp_processor_id();
	a = bpf_map_lookup_elem(area, cpu);
	start = bpf_map_lookup_elem(&starts, cpu);
	if (!a || !start || !*start || now < *start || !(__u8)ctx[0])
		return 0;
	*d = now - *start;
	slot_add(&a->slot[1], 1, *d);
	b = bucket_of(*d);
	if (b < NBUCKETS)
		a->hist[b]++;
	return a;
}

/* The per-task table as ctxswitch kept it before: a hash lookup (an insert when new), the slot, the name. */
static __always_inline void hash_top(struct cpu_agg *a, void *table, __u32 cpu, __u64 d, int comm, int second_id)
{
	__u64 id = bpf_get_current_pid_tgid(), key;
	struct proc_agg *p;

	if (second_id)
		id ^= bpf_get_current_pid_tgid() & 0x100000000ULL;	/* a second call, as --pid with --top made */
	key = (__u32)id ? (__u32)id : ((__u64)(cpu + 1) << 32);
	p = bpf_map_lookup_elem(table, &key);
	if (!p) {
		struct proc_agg fresh = { .tgid = id >> 32 };

		if (bpf_map_update_elem(table, &key, &fresh, BPF_NOEXIST)) {
			a->proc_dropped++;
			return;
		}
		p = bpf_map_lookup_elem(table, &key);
		if (!p)
			return;
	}
	slot_add(&p->slot[1], 1, d);
	if (comm)
		bpf_get_current_comm(p->comm, sizeof(p->comm));
}

SEC("tp_btf/sched_entry_tp")
int v_entry(__u64 *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 *start = bpf_map_lookup_elem(&starts, &cpu);

	if (start)
		*start = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_exit_tp")
int v_plain(__u64 *ctx)
{
	__u64 d;
	__u32 cpu;

	plain(ctx, &area_plain, &d, &cpu);
	return 0;
}

#define HASH_VARIANT(name, area, table, comm, second_id)        \
	SEC("tp_btf/sched_exit_tp")                             \
	int name(__u64 *ctx)                                    \
	{                                                       \
		__u64 d;                                        \
		__u32 cpu;                                      \
		struct cpu_agg *a = plain(ctx, &area, &d, &cpu); \
		if (a)                                          \
			hash_top(a, &table, cpu, d, comm, second_id); \
		return 0;                                       \
	}

HASH_VARIANT(v_hash, area_hash, procs_hash, 1, 0)
HASH_VARIANT(v_hash_nocomm, area_hash_nocomm, procs_hash_nocomm, 0, 0)
HASH_VARIANT(v_hash_2pid, area_hash_2pid, procs_hash_2pid, 1, 1)
HASH_VARIANT(v_noprealloc, area_noprealloc, procs_noprealloc, 1, 0)
HASH_VARIANT(v_percpu_hash, area_percpu, procs_percpu, 1, 0)
HASH_VARIANT(v_lru, area_lru, procs_lru, 1, 0)

/* Task-local storage: the task's own entry, found from the task (no key, no table bound of ours). */
SEC("tp_btf/sched_exit_tp")
int v_task_storage(__u64 *ctx)
{
	__u64 d;
	__u32 cpu;
	struct cpu_agg *a = plain(ctx, &area_task_storage, &d, &cpu);
	struct proc_agg *p;

	if (!a)
		return 0;
	p = bpf_task_storage_get(&procs_task_storage, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p)
		return 0;
	slot_add(&p->slot[1], 1, d);
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	return 0;
}

/* The name copy alone, into this CPU's figures (prev_idle and what follows are unused here). */
SEC("tp_btf/sched_exit_tp")
int v_comm_only(__u64 *ctx)
{
	__u64 d;
	__u32 cpu;
	struct cpu_agg *a = plain(ctx, &area_comm, &d, &cpu);

	if (a)
		bpf_get_current_comm(&a->untimed_start, 16);
	return 0;
}

/* bpf_get_current_pid_tgid() alone. */
SEC("tp_btf/sched_exit_tp")
int v_pid_only(__u64 *ctx)
{
	__u64 d;
	__u32 cpu;
	struct cpu_agg *a = plain(ctx, &area_pid, &d, &cpu);

	if (a)
		a->prev_idle = bpf_get_current_pid_tgid();
	return 0;
}
