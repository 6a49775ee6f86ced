// SPDX-License-Identifier: GPL-2.0
/*
 * ctxswitch: context-switch latency, aggregated in the kernel (docs/probes.md, docs/kernel-maps.md).
 *
 * On one CPU, task A stops and task B starts; the latency is the time between the two, read from
 * one CPU's monotonic clock. Samples are never taken across CPUs, and an end is a sample only when
 * this CPU saw its start. Three modes, one set of maps; user space loads only one mode's programs:
 *   sched-tp  sched_entry_tp (A) -> sched_exit_tp with is_switch (B)                       Linux 6.15+
 *   fentry    fentry/rcu_note_context_switch (A) -> fexit of the entry function B returns from, or
 *             fentry/schedule_tail for a new task; checked by sched_switch             BTF, trampolines
 *   kprobe    kprobe/rcu_note_context_switch (A) -> kprobe/finish_task_switch (B); checked by
 *             sched_switch                                                                  kprobes
 * In fentry and kprobe, sched_switch says which task A handed the CPU to, and an end is a sample only
 * if it is that task's: so an end after an idle period or a preemption is never mistaken for a switch.
 * A switch that sched_switch saw but whose start or end no probe saw is counted untimed, never timed
 * from somewhere else. The kprobe mode ends in B's first code after the switch rather than at a
 * kretprobe: a kretprobe needs an instance per task inside schedule(), that is per sleeping task, and
 * the kernel's default of max(10, 2 x CPUs) lost two thirds of the returns on Linux 6.1.
 *
 * Nothing is sent to user space per event: user space reads the maps. No loops on the hot path, one
 * map lookup per event plus one for the per-task table and one for --pid or --tid. Filters are decided
 * at the end, in B, just before a sample would be recorded (docs/filters.md). No kernel structure is read (the helpers
 * give pid, tgid and name; tasks are compared by address), so the object needs no CO-RE.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "ctxswitch.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* floor(log2(v)) for v > 0, by halving: no loop, as the verifier and the hot path want. */
static __always_inline __u64 log2_u64(__u64 v)
{
	__u64 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	return r | (v >> 1);
}

/*
 * Log-linear bucket: exact below 2^SUB_BITS, then 2^SUB_BITS buckets per power of two. 64-bit
 * throughout: with a 32-bit index, clang bounds-checks one copy and indexes with another, which
 * older verifiers (6.1) cannot follow.
 */
static __always_inline __u64 bucket_of(__u64 ns)
{
	__u64 e, b;

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

/* Whether the id is in the ids map as the kind of id asked for (FILTER_PID or FILTER_TID). */
static __always_inline int id_wanted(__u32 id, __u8 kind)
{
	__u8 *kinds = bpf_map_lookup_elem(&ids, &id);

	return kinds && (*kinds & kind);
}

/*
 * Whether the filters keep the switch ending on this CPU: all of them are about B, the current task
 * (whose start was delayed), except --exclude-idle, which also looks at A. `filters` is constant after
 * load, so the verifier keeps only the tests asked for; cheapest first, so that a rejection costs least.
 */
static __always_inline int wanted(struct cpu_agg *a, __u32 cpu)
{
	/* Zeroed: before Linux 6.2 or so, bpf_get_current_comm() leaves the bytes after the name as they were. */
	__u64 id = 0, comm[2] = {};

	if ((filters & FILTER_CPUS) && !((cpu_mask[(cpu >> 6) & (CPU_MASK_WORDS - 1)] >> (cpu & 63)) & 1))
		return 0;
	if (filters & (FILTER_EXCLUDE_IDLE | FILTER_PID | FILTER_TID))
		id = bpf_get_current_pid_tgid();
	if ((filters & FILTER_EXCLUDE_IDLE) && (!(__u32)id || a->prev_idle))
		return 0;
	if (filters & FILTER_COMM) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (comm[0] != filter_comm[0] || comm[1] != filter_comm[1])
			return 0;
	}
	if ((filters & FILTER_PID) && !id_wanted(id >> 32, FILTER_PID))
		return 0;
	if ((filters & FILTER_TID) && !id_wanted((__u32)id, FILTER_TID))
		return 0;
	if ((filters & FILTER_CGROUP) && bpf_current_task_under_cgroup(&cgroup, 0) != 1)
		return 0;
	return 1;
}

/*
 * --exclude-idle and --slower need A's identity at the end: taken at the start, while A is current.
 * Its state comes later, from sched_switch (note_state); ~0 until then.
 */
static __always_inline void note_prev(struct cpu_agg *a)
{
	if (filters & FILTER_EXCLUDE_IDLE)
		a->prev_idle = !(__u32)bpf_get_current_pid_tgid();
	if (slower_ns) {
		a->prev_id = bpf_get_current_pid_tgid();
		bpf_get_current_comm(a->prev_comm, sizeof(a->prev_comm));
		a->prev_state = ~0ULL;
	}
}

/*
 * --slower: a kept switch of d >= slower_ns ns, sent to user space with A (noted at the start) and B
 * (current). A full ring buffer loses it, counted per CPU in outliers_lost.
 */
static __always_inline void send_outlier(struct cpu_agg *a, __u32 cpu, __u64 now, __u64 d)
{
	struct outlier *o = bpf_ringbuf_reserve(&outliers, sizeof(*o), 0);

	if (!o) {
		a->outliers_lost++;
		return;
	}
	o->end_ns = now;
	o->latency_ns = d;
	o->prev_id = a->prev_id;
	o->next_id = bpf_get_current_pid_tgid();
	o->prev_state = a->prev_state;
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->cpu = cpu;
	o->pad = 0;
	__builtin_memcpy(o->prev_comm, a->prev_comm, sizeof(o->prev_comm));
	bpf_get_current_comm(o->next_comm, sizeof(o->next_comm));
	bpf_ringbuf_submit(o, 0);
}

/*
 * One paired switch of d ns, ended on this CPU by the current task (B, whose start was delayed): left
 * out if the filters say so (counted in filtered), else into the interval's exact figures, the
 * histogram and, if asked for, the per-task table.
 */
static __always_inline void record_sample(struct cpu_agg *a, __u32 cpu, __u64 now, __u64 d)
{
	__u64 e = ctl.epoch, id, key, b;
	struct proc_agg *p;

	if (filters && !wanted(a, cpu)) {
		a->filtered++;
		return;
	}
	slot_add(&a->slot[e & 1], e, d);
	b = bucket_of(d);
	if (b < NBUCKETS)		/* always true; tells the verifier the index is bounded */
		a->hist[b]++;
	if (slower_ns && d >= slower_ns)
		send_outlier(a, cpu, now, d);

	if (!per_task)
		return;

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
			return;
		}
		p = bpf_map_lookup_elem(&procs, &key);
		if (!p)
			return;
	}
	slot_add(&p->slot[e & 1], e, d);
	bpf_get_current_comm(p->comm, sizeof(p->comm));	/* the latest name: tasks rename on exec */
}

/*
 * Whether a start was taken after every program was attached: one taken earlier may have missed its
 * other half while the programs attached one by one (entry seen, end not yet), so it is dropped,
 * neither sample nor unpaired. False for no start, and for any start while unarmed.
 */
static __always_inline int armed_start(__u64 start)
{
	return ctl.armed_ns && start >= ctl.armed_ns;
}

/* This CPU's figures and pairing state (always found: the map has one entry per possible CPU). */
static __always_inline struct cpu_agg *this_cpu(__u32 *cpu)
{
	*cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&cpus, cpu);
}

/* ---- mode sched-tp ---- */

SEC("tp_btf/sched_entry_tp")
int ctxsw_entry(__u64 *ctx)
{
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	if (armed_start(a->start_ns))	/* the previous entry on this CPU never saw its exit */
		a->unpaired++;
	note_prev(a);
	a->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* Argument 0 only: 6.15 and 6.16 pass (is_switch, ip), 6.17 and later (is_switch). */
SEC("tp_btf/sched_exit_tp")
int ctxsw_exit(__u64 *ctx)
{
	__u64 now = bpf_ktime_get_ns(), start;
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	start = a->start_ns;
	a->start_ns = 0;
	if (!start || now < start) {	/* no entry seen here: never now - 0 */
		if (ctl.armed_ns)
			a->unpaired++;
		return 0;
	}
	if (start < ctl.armed_ns)	/* taken while attaching: dropped (see armed_start) */
		return 0;
	if (!(__u8)ctx[0]) {		/* __schedule() kept the same task */
		a->no_switch++;
		return 0;
	}
	record_sample(a, cpu, now, now - start);
	return 0;
}

/*
 * --slower in sched-tp mode: A's state, as sched_switch reports it (between the entry and the exit, on
 * this CPU, for the A that entered). Loaded only with --slower. Not read at the entry: the program would
 * need the task's layout (CO-RE, and so kernel BTF even for the kprobe mode), and the state the kernel
 * acts on is settled only inside __schedule() (a pending signal keeps a sleeper running).
 */
SEC("tp_btf/sched_switch")
int ctxsw_state(__u64 *ctx)
{
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (a && a->start_ns)
		a->prev_state = (__u8)ctx[0] ? OUTLIER_PREEMPTED : (__u32)ctx[3];
	return 0;
}

/* ---- modes fentry and kprobe: every switch, on kernels without sched_entry_tp ---- */

/*
 * The start: rcu_note_context_switch(), which __schedule() calls near its top on every entry
 * (schedule, schedule_idle, preempt_schedule_irq, do_task_dead, schedule_rtlock, rt_mutex_schedule,
 * and the notrace preempt_schedule, preempt_schedule_common, preempt_schedule_notrace, which no probe
 * can attach to), and once per pass of their loops: what sched_entry_tp is on 6.15 and later. A KVM
 * host also calls it at each guest entry; no switch follows, so that counts as a no-switch.
 *
 * Slot states: empty; started (start_ns, prev_task = A, next_task = 0); switched (next_task = B, the
 * end awaited; start_ns = 0 when sched_switch saw the switch but no start, already counted untimed).
 */
static __always_inline int switch_started(void)
{
	__u64 current = bpf_get_current_task();
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	if (a->next_task) {
		/* The previous switch's end was never seen (fentry: B left through a notrace entry, or looped). */
		if (armed_start(a->start_ns))
			a->untimed_end++;
	} else if (armed_start(a->start_ns)) {
		/* The previous start saw no switch (kprobe mode has no end then). */
		if (a->prev_task == current)
			a->no_switch++;
		else
			a->unpaired++;
	}
	a->prev_task = current;
	a->next_task = 0;
	note_prev(a);
	a->start_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * sched_switch(prev, next): every switch, whichever the entry. Timed if prev is the A that started
 * here; otherwise no probe saw its start: counted untimed, never given a start of its own.
 */
static __always_inline int switch_seen(__u64 prev, __u64 next, __u64 prev_state)
{
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	if (a->start_ns && !a->next_task && a->prev_task == prev) {
		a->next_task = next;
		if (slower_ns)
			a->prev_state = prev_state;
		return 0;
	}
	if (ctl.armed_ns) {
		if (a->next_task && armed_start(a->start_ns))
			a->untimed_end++;	/* a switch before this one whose end was never seen */
		else if (!a->next_task && armed_start(a->start_ns))
			a->unpaired++;		/* a start by another task that saw no switch */
		if (!a->start_ns || a->next_task || armed_start(a->start_ns))
			a->untimed_start++;
	}
	a->start_ns = 0;
	a->prev_task = prev;
	a->next_task = next;
	return 0;
}

/*
 * The end, in the task now running: its first code after the switch (kprobe: finish_task_switch) or
 * its return from the function it entered by (fentry). A sample only if it is the B that the switch
 * started here chose: an idle period or a preemption between a start and this end is never a sample.
 */
static __always_inline int switch_ended(void)
{
	__u64 now = bpf_ktime_get_ns(), start, current = bpf_get_current_task();
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	start = a->start_ns;
	if (!a->next_task) {
		a->start_ns = 0;
		if (armed_start(start) && current == a->prev_task)
			a->no_switch++;	/* fentry: __schedule() came back to A without a switch */
		else if (ctl.armed_ns && !(start && start < ctl.armed_ns))
			a->unpaired++;	/* no switch awaits an end here */
		return 0;
	}
	if (current != a->next_task) {
		if (ctl.armed_ns)
			a->unpaired++;	/* not the task switched to: that switch still awaits its own end */
		return 0;
	}
	a->start_ns = 0;
	a->next_task = 0;
	if (!start || start < ctl.armed_ns)	/* untimed (counted at the switch), or taken while attaching */
		return 0;
	if (now < start) {
		a->unpaired++;
		return 0;
	}
	record_sample(a, cpu, now, now - start);
	return 0;
}

SEC("fentry/rcu_note_context_switch")
int ctxsw_fentry(__u64 *ctx)
{
	return switch_started();
}

/*
 * sched_switch's arguments: (preempt, prev, next[, prev_state since 5.18]). With --slower, user space
 * loads the _state variant instead, which reads prev_state: a program that reads an argument the
 * tracepoint lacks is refused, so the plain one does not, and runs on older kernels.
 */
SEC("tp_btf/sched_switch")
int ctxsw_switch_btf(__u64 *ctx)
{
	return switch_seen(ctx[1], ctx[2], ~0ULL);
}

SEC("tp_btf/sched_switch")
int ctxsw_switch_btf_state(__u64 *ctx)
{
	return switch_seen(ctx[1], ctx[2], (__u8)ctx[0] ? OUTLIER_PREEMPTED : (__u32)ctx[3]);
}

/*
 * fentry's ends: the return of each function that enters __schedule() and returns (the incoming task
 * returns from the one it entered by), and a new task's first code, schedule_tail(). User space loads
 * those this kernel has. The notrace entries (preempt_schedule and its kin, and PREEMPT_RT's
 * schedule_rtlock) have no return to attach to: a switch into a task that had left through them is
 * untimed in this mode.
 */
SEC("fexit/schedule")
int ctxsw_fexit(__u64 *ctx)
{
	return switch_ended();
}

SEC("fexit/schedule_idle")
int ctxsw_fexit_idle(__u64 *ctx)
{
	return switch_ended();
}

SEC("fexit/preempt_schedule_irq")
int ctxsw_fexit_preempt_irq(__u64 *ctx)
{
	return switch_ended();
}

SEC("fexit/rt_mutex_schedule")
int ctxsw_fexit_rt_mutex(__u64 *ctx)
{
	return switch_ended();
}

SEC("fentry/schedule_tail")
int ctxsw_fentry_fork(__u64 *ctx)
{
	return switch_ended();
}

SEC("kprobe/rcu_note_context_switch")
int ctxsw_kprobe(void *ctx)
{
	return switch_started();
}

/* The raw tracepoint needs neither BTF nor tracefs, like the kprobes themselves. */
SEC("raw_tp/sched_switch")
int ctxsw_switch_raw(__u64 *ctx)
{
	return switch_seen(ctx[1], ctx[2], ~0ULL);
}

SEC("raw_tp/sched_switch")
int ctxsw_switch_raw_state(__u64 *ctx)
{
	return switch_seen(ctx[1], ctx[2], (__u8)ctx[0] ? OUTLIER_PREEMPTED : (__u32)ctx[3]);
}

/*
 * Attached by user space to this kernel's name for it (finish_task_switch.isra.0 on Debian's 6.1):
 * every switched-to task runs it first, new tasks included (schedule_tail), whichever the entry.
 */
SEC("kprobe")
int ctxsw_kprobe_end(void *ctx)
{
	return switch_ended();
}
