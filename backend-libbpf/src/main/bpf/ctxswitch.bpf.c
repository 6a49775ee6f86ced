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
 * map lookup per event plus, with --top, one in the per-CPU task table (an array: no call; the hash table
 * only for a task whose entry there another task holds), and one for --pid or --tid. Filters are decided
 * at the end, in B, once the switch is paired and before the end reads the clock: a rejection costs no clock read,
 * a kept switch's latency includes the test (docs/filters.md). The only kernel structure read is the
 * task's name, where user space says it is (current_comm); otherwise the helpers give pid, tgid and name, and tasks
 * are compared by address: the object needs no CO-RE.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "ctxswitch.h"
#include "maps.bpf.h"
#include "histogram.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Whether the id is wanted as the kind of id asked for (FILTER_PID or FILTER_TID): compared in line with
 * the few ids of .rodata.ids (the verifier drops the comparisons past inline_ids_count, a constant), else
 * looked up in the ids map.
 */
static __always_inline int id_wanted(__u32 id, __u8 kind)
{
	__u8 *kinds;

	if (inline_ids_count) {
#pragma unroll
		for (int i = 0; i < FILTER_IDS_INLINE; i++)
			if (i < inline_ids_count && inline_ids[i] == id && (inline_id_kinds[i] & kind))
				return 1;
		return 0;
	}
	kinds = bpf_map_lookup_elem(&ids, &id);
	return kinds && (*kinds & kind);
}

/*
 * What the start and sched_switch noted about the switch ending now (A and the kind), copied by a fentry end out
 * of this CPU's state before anything is recorded (take_notes; switch_ended says why): only what the options ask
 * for, the rest zero. The other ends cannot be preempted and pass none (NULL): they read the state at use, as
 * before, and sched-tp's code stays as it was.
 */
struct noted {
	__u64 prev_idle;	/* --exclude-idle */
	__u64 prev_id;		/* --slower */
	__u64 prev_state;	/* --slower */
	char prev_comm[16];	/* --slower (8-aligned: copied in two words) */
	__u32 kind;		/* --by=kind, --slower: switch_kind_now() */
};

/*
 * The current task's name, 16 bytes: read in place through the task's BTF pointer where user space found the name's
 * offset (task_comm_offset), else copied by bpf_get_current_comm(), a helper that calls two string functions: that
 * copy made a --comm rejection cost 1.48 times a recorded switch. The verifier knows the offset (.rodata is frozen)
 * and checks both loads against the task's BTF, so a wrong one is refused at load rather than read. In place, the
 * bytes after the NUL are whatever a longer, older name left on kernels whose renames did not pad them.
 */
static __always_inline void current_comm(__u64 *comm)
{
	if (task_comm_offset) {
		const __u64 *name = (const __u64 *)((const char *)bpf_get_current_task_btf() + task_comm_offset);

		comm[0] = name[0];
		comm[1] = name[1];
	} else {
		bpf_get_current_comm(comm, 16);
	}
}

/*
 * Whether the filters keep the switch ending on this CPU: all of them are about B, the current task
 * (whose start was delayed), except --exclude-idle, which also looks at A. `filters` is constant after
 * load, so the verifier keeps only the tests asked for; cheapest first, so that a rejection costs least.
 */
#define FILTERS_BY_ID (FILTER_EXCLUDE_IDLE | FILTER_PID | FILTER_TID)	/* those that read B's ids into *id */

static __always_inline int wanted(struct cpu_agg *a, const struct noted *n, __u32 cpu, __u64 *id)
{
	__u64 comm[2];

	if ((filters & FILTER_CPUS) && !((cpu_mask[(cpu >> 6) & (CPU_MASK_WORDS - 1)] >> (cpu & 63)) & 1))
		return 0;
	if (filters & FILTERS_BY_ID)
		*id = bpf_get_current_pid_tgid();
	if ((filters & FILTER_EXCLUDE_IDLE) && (!(__u32)*id || (n ? n->prev_idle : a->prev_idle)))
		return 0;
	if (filters & FILTER_COMM) {
		current_comm(comm);	/* only the name and its NUL count: not what follows (filter_comm_mask) */
		if (((comm[0] ^ filter_comm[0]) & filter_comm_mask[0]) || ((comm[1] ^ filter_comm[1]) & filter_comm_mask[1]))
			return 0;
	}
	if ((filters & FILTER_PID) && !id_wanted(*id >> 32, FILTER_PID))
		return 0;
	if ((filters & FILTER_TID) && !id_wanted((__u32)*id, FILTER_TID))
		return 0;
	if ((filters & FILTER_CGROUP) && bpf_current_task_under_cgroup(&cgroup, 0) != 1)
		return 0;
	return 1;
}

/*
 * --exclude-idle and --slower need A's identity at the end: taken at the start, while A is current.
 * Its state comes later, from sched_switch (state_arg); ~0 until then.
 */
static __always_inline void note_prev(struct cpu_agg *a)
{
	if (filters & FILTER_EXCLUDE_IDLE)
		a->prev_idle = !(__u32)bpf_get_current_pid_tgid();
	if (slower_ns) {
		a->prev_id = bpf_get_current_pid_tgid();
		current_comm((__u64 *)a->prev_comm);	/* read up to its NUL by user space */
		a->prev_state = ~0ULL;
	}
}

/*
 * ---- the classification (docs/kernel-maps.md): for --by=kind's figures and --slower's outliers' kind; kept
 * apart, and compiled out by the verifier without either (`classify`) ----
 */
#define classify (by_kind || slower_ns)

/* --slower: A's state from sched_switch's arguments: OUTLIER_PREEMPTED if preempt, else the raw prev_state. */
static __always_inline __u64 state_arg(__u64 *ctx)
{
	return (__u8)ctx[0] ? OUTLIER_PREEMPTED : (__u32)ctx[3];
}

/* This CPU's figures by kind (the map has an entry per possible CPU with --by=kind or --slower). */
static __always_inline struct cpu_kinds *this_cpu_kinds(__u32 cpu)
{
	return bpf_map_lookup_elem(&kinds, &cpu);
}

/*
 * sched_switch(preempt, prev, next, prev_state) (prev_state since Linux 5.18), in A's context: the tracepoint
 * runs before the switch itself. Notes how A leaves, for the end of this switch. A task inside sched_yield()
 * (marked at its syscall's entry) that leaves still runnable and not preempted is yielding; its mark is used up
 * by any switch of its own that is not a preemption (a preemption before sched_yield() reaches the scheduler
 * keeps it). ctx[3] is read only here and in state_arg, each behind a constant flag, so that without
 * --by=kind or --slower no program reads sched_switch's fourth argument (Linux 5.18+).
 */
static __always_inline void note_kind(__u64 *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_kinds *k = this_cpu_kinds(cpu);
	__u64 current = bpf_get_current_task(), kind;
	__u8 preempt = (__u8)ctx[0];
	__u32 prev_state = (__u32)ctx[3];

	if (!k)
		return;
	if (!(__u32)bpf_get_current_pid_tgid())
		kind = KIND_FROM_IDLE;
	else if (preempt)
		kind = KIND_PREEMPTED;
	else if (prev_state & STATE_TASK_DEAD)
		kind = KIND_EXIT;
	else if (prev_state)
		kind = KIND_BLOCKED;
	else if (k->yield_task == current)
		kind = KIND_YIELD;
	else
		kind = KIND_PREEMPTED;	/* runnable, back to user mode with need_resched, or a cond_resched() */
	if (!preempt && k->yield_task == current)
		k->yield_task = 0;
	k->switch_kind = kind;
}

/*
 * The kind of the switch ending now on this CPU (B current): the one sched_switch noted, or to-idle if B is
 * idle. NKINDS if this CPU has no kinds entry (never, once the map is sized to the CPUs).
 */
static __always_inline __u32 switch_kind_now(struct cpu_kinds *k)
{
	__u64 kind;

	if (!k)
		return NKINDS;
	kind = k->switch_kind;
	if (kind != KIND_FROM_IDLE && !(__u32)bpf_get_current_pid_tgid())
		kind = KIND_TO_IDLE;
	return kind < NKINDS ? kind : NKINDS;
}

/* A sample of d ns (bucket b, epoch e) into its kind (switch_kind_now, or as noted in n). */
static __always_inline void kind_add(const struct noted *n, __u32 cpu, __u64 e, __u64 d, __u64 b)
{
	struct cpu_kinds *k = this_cpu_kinds(cpu);
	__u32 kind = n ? n->kind : switch_kind_now(k);

	if (!k || kind >= NKINDS || b >= NBUCKETS)	/* never: tells the verifier the indexes are bounded */
		return;
	slot_add(&k->kind[kind].slot[e & 1], e, d);
	k->kind[kind].hist[b]++;
}

/* The end's copy of what record_sample() needs of the switch besides its latency (struct noted). */
static __always_inline void take_notes(struct cpu_agg *a, __u32 cpu, struct noted *n)
{
	if (filters & FILTER_EXCLUDE_IDLE)
		n->prev_idle = a->prev_idle;
	if (slower_ns) {
		n->prev_id = a->prev_id;
		n->prev_state = a->prev_state;
		__builtin_memcpy(n->prev_comm, a->prev_comm, sizeof(n->prev_comm));
	}
	if (classify)
		n->kind = switch_kind_now(this_cpu_kinds(cpu));
}

/*
 * --slower: a kept switch of d >= slower_ns ns, sent to user space with A (noted at the start), B
 * (current) and the switch's kind, worked out as for --by=kind (switch_kind_now), A and the kind from n. A full ring buffer loses
 * it, counted per CPU in outliers_lost.
 */
static __always_inline void send_outlier(struct cpu_agg *a, const struct noted *n, __u32 cpu, __u64 now, __u64 d)
{
	struct outlier *o = bpf_ringbuf_reserve(&outliers, sizeof(*o), 0);

	if (!o) {
		a->outliers_lost++;
		return;
	}
	o->end_ns = now;
	o->latency_ns = d;
	o->prev_id = n ? n->prev_id : a->prev_id;
	o->next_id = bpf_get_current_pid_tgid();
	o->prev_state = n ? n->prev_state : a->prev_state;
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->cpu = cpu;
	o->kind = n ? n->kind : switch_kind_now(this_cpu_kinds(cpu));
	if (n)	/* two copies: clang copies byte by byte from a pointer that may be either */
		__builtin_memcpy(o->prev_comm, n->prev_comm, sizeof(o->prev_comm));
	else
		__builtin_memcpy(o->prev_comm, a->prev_comm, sizeof(o->prev_comm));
	bpf_get_current_comm(o->next_comm, sizeof(o->next_comm));
	bpf_ringbuf_submit(o, 0);
}

/*
 * The entry for `key` in a set-associative per-CPU table (--top's cpu_tasks, --by=cgroup's cpu_cgroups), whose
 * entries start with their key (0 = never used) and hold a pair of interval slots, slot i's epoch at
 * epoch_at + i * slot_size: the `ways` entries from `first` are the key's set on this CPU. Its own entry, or one it
 * takes (the key written), free or held by a key with no sample in this interval nor the previous one (user space
 * has read those, and reads only slots of the interval it closes, so it never sees an entry change hands under
 * it); its slots are then of older intervals, and whoever writes one resets it first. NULL if other keys hold the
 * whole set. The key's own entry is looked for in every way before one is taken, so a key has at most one entry per
 * CPU. Array lookups, which the kernel inlines: no call. One search for both tables: they differ only in these
 * constants, which inlining folds.
 */
#define SLOT_EPOCH(entry, at, size, i) (*(__u64 *)((char *)(entry) + (at) + ((i) & 1) * (size)))
_Static_assert(__builtin_offsetof(struct cpu_task, key) == 0 && __builtin_offsetof(struct cpu_cgroup, id) == 0,
	       "set_entry: an entry's key comes first");

static __always_inline __u64 *set_entry(void *table, __u32 first, __u32 ways, __u64 key, __u64 e, __u32 epoch_at,
					__u32 slot_size)
{
	__u64 *entry, *spare = NULL;

#pragma unroll
	for (__u32 w = 0; w < ways; w++) {
		__u32 i = first + w;

		entry = bpf_map_lookup_elem(table, &i);
		if (!entry)
			return NULL;
		if (*entry == key)
			return entry;
		if (!spare && (!*entry || (SLOT_EPOCH(entry, epoch_at, slot_size, e) != e
					   && SLOT_EPOCH(entry, epoch_at, slot_size, e - 1) != e - 1)))
			spare = entry;
	}
	if (spare)
		*spare = key;
	return spare;
}

/*
 * --top: this CPU's entry in cpu_tasks for the task `key` (set_entry), in the task's set of CPU_TASK_WAYS entries.
 * That is what brings --top's cost near the plain program's: a hash lookup and a name copy at every sample made it
 * 2.2 to 2.6 times as costly (bench/results/per-task-variants-vm.md).
 */
static __always_inline struct proc_agg *cpu_task_entry(__u32 cpu, __u64 key, __u64 id, __u64 e)
{
	__u32 first = cpu * CPU_TASKS + ((__u32)key & (CPU_TASKS / CPU_TASK_WAYS - 1)) * CPU_TASK_WAYS;
	struct cpu_task *t = (struct cpu_task *)set_entry(&cpu_tasks, first, CPU_TASK_WAYS, key, e,
		__builtin_offsetof(struct cpu_task, agg.slot[0].epoch), sizeof(struct interval_slot));

	if (!t)
		return NULL;
	t->agg.tgid = id >> 32;	/* the key's, unchanged unless the entry was just taken; refresh_name reads the name */
	return &t->agg;
}

/* --top, when this CPU's entry is another task's: the task's entry in procs, made if new; NULL if full. */
static __always_inline struct proc_agg *procs_entry(struct cpu_agg *a, __u64 key, __u64 id)
{
	struct proc_agg *p = bpf_map_lookup_elem(&procs, &key);

	if (!p) {
		struct proc_agg fresh = { .tgid = id >> 32 };

		if (bpf_map_update_elem(&procs, &key, &fresh, BPF_NOEXIST)) {
			a->proc_dropped++;	/* table full */
			return NULL;
		}
		p = bpf_map_lookup_elem(&procs, &key);
	}
	return p;
}

/*
 * The task's name, read again only when it may have changed: at its first sample of an interval, and when
 * any task was renamed since it was last read (ctxsw_rename counts renames). Exec and prctl(PR_SET_NAME)
 * rename the current task, which cannot be switched in meanwhile: its next sample has the new name. A task
 * renamed by another one (/proc/PID/comm) while it runs elsewhere may keep its old name until the next
 * interval (the tracepoint fires just before the kernel copies the name). At every sample, this copy was
 * half of --top's cost.
 */
static __always_inline void refresh_name(struct proc_agg *p, __u64 e)
{
	__u32 seen = renames;

	if (p->renames == seen && p->slot[e & 1].epoch == e)
		return;
	p->renames = seen;
	bpf_get_current_comm(p->comm, sizeof(p->comm));
}

/* --by=cgroup: this CPU's entry in cpu_cgroups for cgroup `id` (set_entry), in its set of CGROUP_WAYS entries. */
static __always_inline struct cpu_cgroup *cpu_cgroup_entry(__u32 cpu, __u64 id, __u64 e)
{
	__u32 first = cpu * CPU_CGROUPS + ((__u32)id & (CPU_CGROUPS / CGROUP_WAYS - 1)) * CGROUP_WAYS;

	return (struct cpu_cgroup *)set_entry(&cpu_cgroups, first, CGROUP_WAYS, id, e,
		__builtin_offsetof(struct cpu_cgroup, slot[0].exact.epoch), sizeof(struct cgroup_slot));
}

/*
 * --by=cgroup: a sample of d ns into B's cgroup on this CPU (epoch e): its exact figures and its log2 bucket,
 * the slot's histogram cleared first when the slot is of an older interval. Counted in cgroup_dropped if the
 * cgroup's set has no room on this CPU.
 */
static __always_inline void cgroup_add(struct cpu_agg *a, __u32 cpu, __u64 e, __u64 d)
{
	struct cpu_cgroup *c = cpu_cgroup_entry(cpu, bpf_get_current_cgroup_id(), e);
	struct cgroup_slot *s;
	__u64 b;

	if (!c) {
		a->cgroup_dropped++;
		return;
	}
	s = &c->slot[e & 1];
	if (s->exact.epoch != e)
		__builtin_memset(s->hist, 0, sizeof(s->hist));
	slot_add(&s->exact, e, d);
	b = d ? log2_u64(d) : 0;
	if (b >= CGROUP_BUCKETS)
		b = CGROUP_BUCKETS - 1;
	s->hist[b]++;
}

/*
 * One paired switch of d ns that the filters kept (each end asks wanted() before it reads the clock: see
 * "libbpf: in the kernel" in docs/filters.md), ended on this CPU by the current task (B, whose start was delayed),
 * with what its end noted of it (n, or NULL: read from the state) and B's ids if wanted() read them (id): into the
 * interval's exact figures, the histogram, its kind's figures with --by=kind, its cgroup's with --by=cgroup and, if
 * asked for, the per-task table.
 */
static __always_inline void record_sample(struct cpu_agg *a, const struct noted *n, __u32 cpu, __u64 now, __u64 d,
					  __u64 id)
{
	__u64 e = ctl.epoch, key, b;
	struct proc_agg *p;

	slot_add(&a->slot[e & 1], e, d);
	b = bucket_of(d);
	if (b < NBUCKETS)		/* always true; tells the verifier the index is bounded */
		a->hist[b]++;
	if (by_kind)
		kind_add(n, cpu, e, d, b);
	if (by_cgroup)
		cgroup_add(a, cpu, e, d);
	if (slower_ns && d >= slower_ns)
		send_outlier(a, n, cpu, now, d);

	if (!per_task)
		return;

	/*
	 * Per incoming task. The idle tasks all have pid 0, one per CPU: keying them by CPU gives every
	 * entry a single writer (a task runs on one CPU at a time; a cpu_tasks entry is its CPU's), so
	 * plain (non-atomic) updates are exact. A task may have entries on several CPUs and in procs:
	 * user space adds them up.
	 */
	if (!(filters & FILTERS_BY_ID))	/* else wanted() read it already: one helper call, not two */
		id = bpf_get_current_pid_tgid();
	key = (__u32)id ? (__u32)id : ((__u64)(cpu + 1) << 32);
	p = cpu_task_entry(cpu, key, id, e);
	if (!p)
		p = procs_entry(a, key, id);
	if (!p)
		return;
	refresh_name(p, e);	/* before slot_add: it looks at whether this is the interval's first sample */
	slot_add(&p->slot[e & 1], e, d);
}

/*
 * Whether a start was taken after every program was attached: one taken earlier may have missed its
 * other half while the programs attached one by one (entry seen, end not yet), so it is dropped,
 * neither sample nor unpaired. False for no start, and for any start while unarmed: an end found while
 * unarmed (attaching, or detaching) records nothing either, so that the switches a CPU records are
 * consecutive ones, from its first start after arming to its last end before disarming, with no switch
 * of that run left out.
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

/*
 * Argument 0 only: 6.15 and 6.16 pass (is_switch, ip), 6.17 and later (is_switch).
 * Without filters the clock is read first, as it always was; with filters only once they kept the switch, so that
 * a rejection costs no clock read (docs/filters.md says what that adds to a kept switch's latency).
 */
SEC("tp_btf/sched_exit_tp")
int ctxsw_exit(__u64 *ctx)
{
	__u64 now = filters ? 0 : bpf_ktime_get_ns(), start, id = 0;
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	start = a->start_ns;
	a->start_ns = 0;
	if (!start || (!filters && now < start)) {	/* no entry seen here: never now - 0 */
		if (ctl.armed_ns)
			a->unpaired++;
		return 0;
	}
	if (!armed_start(start))	/* taken while attaching, or ending while unarmed: dropped */
		return 0;
	if (!(__u8)ctx[0]) {		/* __schedule() kept the same task */
		a->no_switch++;
		return 0;
	}
	if (filters) {
		if (!wanted(a, NULL, cpu, &id)) {
			a->filtered++;	/* paired, left out: neither a sample nor unpaired */
			return 0;
		}
		now = bpf_ktime_get_ns();
		if (now < start) {	/* as above, for the clock read after the filters */
			a->unpaired++;
			return 0;
		}
	}
	record_sample(a, NULL, cpu, now, now - start, id);
	return 0;
}

/*
 * --by=kind and --slower in sched-tp mode, which has no sched_switch program of its own: the switch's kind
 * and, with --slower, A's state as sched_switch reports it (between the entry and the exit, on this CPU, for
 * the A that entered). Loaded only with either. A's state is not read at the entry: the program would need
 * the task's layout (CO-RE, and so kernel BTF even for the kprobe mode), and the state the kernel acts on
 * is settled only inside __schedule() (a pending signal keeps a sleeper running).
 */
SEC("tp_btf/sched_switch")
int ctxsw_kind(__u64 *ctx)
{
	__u32 cpu;
	struct cpu_agg *a;

	note_kind(ctx);
	if (slower_ns) {
		a = this_cpu(&cpu);
		if (a && a->start_ns)
			a->prev_state = state_arg(ctx);
	}
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
 * `counted` (fentry): bump start_gen, for the ends that can be preempted (switch_ended).
 */
static __always_inline int switch_started(int counted)
{
	__u64 current = bpf_get_current_task();
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);

	if (!a)
		return 0;
	if (counted)
		a->start_gen++;	/* this program runs whole: interrupts are off in __schedule() */
	if (a->next_task) {
		/*
		 * The previous switch's end was never seen (fentry: B left through a notrace entry, or looped), or its end
		 * program was preempted before it had read the switch (switch_ended).
		 */
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
 *
 * `preemptible` (every fentry end): a BPF trampoline runs its programs with migration disabled but not preemption
 * (__bpf_prog_enter_recur), so B can be preempted inside fexit/schedule, and the switches of that preemption
 * run this CPU's start and sched_switch, which rewrite the state being read (kprobe programs run with
 * preemption off). So the end reads the state once, into locals, between two reads of start_gen: if a start
 * came in between, it found the state as this end did and counted it (a switch awaiting its end: untimed_end),
 * and the state is another switch's now; the end then leaves both alone. Else nothing wrote the state
 * meanwhile (a start comes first: sched_switch and every other end follow one), and the end goes on from its
 * copy; a preemption later on (at the ring buffer's lock, say) can no longer mix two switches (Linux61IT saw
 * one outlier in 2,266 with A's pid and kind from one switch, its name and state from another).
 * Compiler ordering suffices: the start runs on this same CPU (migration is off) and whole while B is
 * preempted, and a CPU sees its own stores in program order; barrier() keeps clang from moving the reads
 * across the generation's, which are volatile so that clang reads them again. Left: a start in the few
 * instructions between the second read and the clearing below counts the switch untimed_end as well as
 * a sample (whose fields are consistent).
 */
static __always_inline int switch_ended(int preemptible)
{
	__u64 now = filters ? 0 : bpf_ktime_get_ns(), start, next, prev, gen = 0, id = 0,
	      current = bpf_get_current_task();
	__u32 cpu;
	struct cpu_agg *a = this_cpu(&cpu);
	struct noted n = {}, *notes = NULL;	/* zeroed: what the options leave unset is no uninitialized register */
	int kept = 1;

	if (!a)
		return 0;
	if (preemptible) {
		gen = *(volatile __u64 *)&a->start_gen;
		barrier();
	}
	start = a->start_ns;
	next = a->next_task;
	prev = a->prev_task;
	if (preemptible) {
		take_notes(a, cpu, &n);
		notes = &n;
	}
	/*
	 * With filters, a switch that would be a sample (B is the task switched to, the start armed) is decided here,
	 * and the clock read only if it is kept (as in ctxsw_exit): inside the generation's window, so that a
	 * preemption during the test or before the clock read drops the end as any other (switch_ended's comment).
	 * B's ids, name and cgroup, the CPU and the notes are the same whenever it is preempted.
	 */
	if (filters && current == next && armed_start(start)) {
		kept = wanted(a, notes, cpu, &id);
		if (kept)
			now = bpf_ktime_get_ns();
	}
	if (preemptible) {
		barrier();
		if (*(volatile __u64 *)&a->start_gen != gen)
			return 0;
	}
	if (!next) {
		a->start_ns = 0;
		if (armed_start(start) && current == prev)
			a->no_switch++;	/* fentry: __schedule() came back to A without a switch */
		else if (ctl.armed_ns && !(start && start < ctl.armed_ns))
			a->unpaired++;	/* no switch awaits an end here */
		return 0;
	}
	if (current != next) {
		if (ctl.armed_ns)
			a->unpaired++;	/* not the task switched to: that switch still awaits its own end */
		return 0;
	}
	a->start_ns = 0;
	a->next_task = 0;
	if (!armed_start(start))	/* untimed (counted at the switch), taken while attaching, or unarmed */
		return 0;
	if (!kept) {
		a->filtered++;	/* paired, left out: neither a sample nor unpaired */
		return 0;
	}
	if (now < start) {
		a->unpaired++;
		return 0;
	}
	record_sample(a, notes, cpu, now, now - start, id);
	return 0;
}

SEC("fentry/rcu_note_context_switch")
int ctxsw_fentry(__u64 *ctx)
{
	return switch_started(1);
}

/*
 * sched_switch's arguments: (preempt, prev, next[, prev_state since 5.18]). A program that reads an
 * argument the tracepoint lacks is refused: prev_state is read only behind constant flags (note_kind,
 * state_arg), which the verifier drops without --by=kind and --slower, so the object runs on older kernels.
 */
SEC("tp_btf/sched_switch")
int ctxsw_switch_btf(__u64 *ctx)
{
	if (classify)
		note_kind(ctx);
	return switch_seen(ctx[1], ctx[2], slower_ns ? state_arg(ctx) : ~0ULL);
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
	return switch_ended(1);
}

SEC("fexit/schedule_idle")
int ctxsw_fexit_idle(__u64 *ctx)
{
	return switch_ended(1);
}

SEC("fexit/preempt_schedule_irq")
int ctxsw_fexit_preempt_irq(__u64 *ctx)
{
	return switch_ended(1);
}

SEC("fexit/rt_mutex_schedule")
int ctxsw_fexit_rt_mutex(__u64 *ctx)
{
	return switch_ended(1);
}

SEC("fentry/schedule_tail")
int ctxsw_fentry_fork(__u64 *ctx)
{
	return switch_ended(1);
}

SEC("kprobe/rcu_note_context_switch")
int ctxsw_kprobe(void *ctx)
{
	return switch_started(0);
}

/* The raw tracepoint needs neither BTF nor tracefs, like the kprobes themselves. */
SEC("raw_tp/sched_switch")
int ctxsw_switch_raw(__u64 *ctx)
{
	if (classify)
		note_kind(ctx);
	return switch_seen(ctx[1], ctx[2], slower_ns ? state_arg(ctx) : ~0ULL);
}

/*
 * Attached by user space to this kernel's name for it (finish_task_switch.isra.0 on Debian's 6.1):
 * every switched-to task runs it first, new tasks included (schedule_tail), whichever the entry.
 */
SEC("kprobe")
int ctxsw_kprobe_end(void *ctx)
{
	return switch_ended(0);
}

/*
 * --top: every rename of a task (exec, prctl(PR_SET_NAME), /proc/PID/comm; fired in __set_task_comm()),
 * counted so that the per-task table reads a task's name again only then. A raw tracepoint: no BTF needed,
 * like the kprobe mode. Loaded and attached only with --top.
 */
SEC("raw_tp/task_rename")
int ctxsw_rename(void *ctx)
{
	__sync_fetch_and_add(&renames, 1);
	return 0;
}

/*
 * --by=kind, every mode: a task inside sched_yield() on this CPU, so that its switch counts as a yield rather
 * than as a task that left still runnable for another reason (sched_switch alone cannot tell them apart).
 * Enabling a syscall tracepoint makes every task take the syscall's slow path while it is attached.
 */
SEC("tracepoint/syscalls/sys_enter_sched_yield")
int ctxsw_yield_enter(void *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_kinds *k = this_cpu_kinds(cpu);

	if (k)
		k->yield_task = bpf_get_current_task();
	return 0;
}

/* A sched_yield() that found nothing else to run switched nothing: its mark must not outlive it. */
SEC("tracepoint/syscalls/sys_exit_sched_yield")
int ctxsw_yield_exit(void *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_kinds *k = this_cpu_kinds(cpu);

	if (k && k->yield_task == bpf_get_current_task())
		k->yield_task = 0;
	return 0;
}
