// SPDX-License-Identifier: GPL-2.0
/*
 * The same maps as ctxswitch.bpf.c and a program the verifier must refuse (a map value used
 * without the NULL check), so that a test can see the verifier's complaint reach the user.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../../main/bpf/ctxswitch.h"

char LICENSE[] SEC("license") = "GPL";
volatile struct control ctl = { .epoch = 1 };
const volatile __u32 per_task = 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_agg);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROC_TABLE_SIZE);
	__type(key, __u64);
	__type(value, struct proc_agg);
} procs SEC(".maps");

SEC("tp_btf/sched_entry_tp")
int ctxsw_entry(__u64 *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_agg *a = bpf_map_lookup_elem(&cpus, &cpu);

	a->unpaired += ctl.epoch + per_task;	/* no NULL check: refused */
	return 0;
}
