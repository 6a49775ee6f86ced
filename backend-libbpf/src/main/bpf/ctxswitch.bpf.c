// SPDX-License-Identifier: GPL-2.0
/*
 * ctxswitch: context-switch latency, aggregated in the kernel (DESIGN.md §2, mode sched-tp).
 *
 * On one CPU, task A enters __schedule() (tracepoint sched_entry_tp) and, if the scheduler picks
 * another task, B leaves it (sched_exit_tp with is_switch true, or schedule_tail() for a new
 * task). The latency is the time between the two, read from one CPU's monotonic clock. Samples
 * are never taken across CPUs, and an exit is a sample only when this CPU saw its entry.
 *
 * Nothing is sent to user space per event: user space reads the maps. No loops on the hot path, one
 * map lookup per event plus one for the per-task table. No kernel structure is read (the helpers
 * give pid, tgid and name), so the same object runs on every kernel that has the two tracepoints.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "ctxswitch.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* floor(log2(v)) for v > 0, by halving: no loop, as the verifier and the hot path want. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	return r | (__u32)(v >> 1);
}

/* Log-linear bucket: exact below 2^SUB_BITS, then 2^SUB_BITS buckets per power of two. */
static __always_inline __u32 bucket_of(__u64 ns)
{
	__u32 e, b;

	if (ns < (1ULL << SUB_BITS))
		return ns;
	e = log2_u64(ns);
	if (e > MAX_EXP)
		return NBUCKETS - 1;
	b = (e - SUB_BITS + 1) << SUB_BITS;
	return b + ((ns >> (e - SUB_BITS)) & ((1U << SUB_BITS) - 1));
}

/* The interval's exact figures: reset lazily by the first sample of a new epoch. */
static __always_inline void slot_add(struct interval_slot *s, __u64 e, __u64 d)
{
	if (s->epoch != e) {
		s->epoch = e;
		s->count = 0;
		s->sum_ns = 0;
		s->min_ns = d;
		s->max_ns = d;
	}
	if (d < s->min_ns)
		s->min_ns = d;
	if (d > s->max_ns)
		s->max_ns = d;
	s->sum_ns += d;
	s->count++;
}

SEC("tp_btf/sched_entry_tp")
int ctxsw_entry(__u64 *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_agg *a = bpf_map_lookup_elem(&cpus, &cpu);

	if (!a)
		return 0;
	if (a->start_ns && ctl.armed)	/* the previous entry on this CPU never saw its exit */
		a->unpaired++;
	a->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* Argument 0 only: 6.15 and 6.16 pass (is_switch, ip), 6.17 and later (is_switch). */
SEC("tp_btf/sched_exit_tp")
int ctxsw_exit(__u64 *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_agg *a = bpf_map_lookup_elem(&cpus, &cpu);
	__u64 start, d, e, id, key;
	struct proc_agg *p;
	__u32 b;

	if (!a)
		return 0;
	start = a->start_ns;
	a->start_ns = 0;
	if (!start || now < start) {	/* no entry seen here: never now - 0 */
		if (ctl.armed)
			a->unpaired++;
		return 0;
	}
	if (!(__u8)ctx[0]) {		/* __schedule() kept the same task */
		a->no_switch++;
		return 0;
	}
	d = now - start;
	e = ctl.epoch;
	slot_add(&a->slot[e & 1], e, d);
	b = bucket_of(d);
	if (b < NBUCKETS)		/* always true; tells the verifier the index is bounded */
		a->hist[b]++;

	if (!per_task)
		return 0;

	/*
	 * Per incoming task. The idle tasks all have pid 0, one per CPU: keying them by CPU gives every
	 * entry a single writer, so plain (non-atomic) updates are exact.
	 */
	id = bpf_get_current_pid_tgid();
	key = (__u32)id ? (__u32)id : ((__u64)(cpu + 1) << 32);
	p = bpf_map_lookup_elem(&procs, &key);
	if (!p) {
		struct proc_agg fresh = { .tgid = id >> 32 };

		if (bpf_map_update_elem(&procs, &key, &fresh, BPF_NOEXIST)) {
			a->proc_dropped++;	/* table full */
			return 0;
		}
		p = bpf_map_lookup_elem(&procs, &key);
		if (!p)
			return 0;
	}
	slot_add(&p->slot[e & 1], e, d);
	bpf_get_current_comm(p->comm, sizeof(p->comm));	/* the latest name: tasks rename on exec */
	return 0;
}
