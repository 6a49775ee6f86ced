// SPDX-License-Identifier: GPL-2.0
/*
 * The same maps as ctxswitch.bpf.c (maps.bpf.h) and a program the verifier must refuse (a map value used
 * without the NULL check), so that a test can see the verifier's complaint reach the user.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../../main/bpf/ctxswitch.h"
#include "../../main/bpf/maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";
SEC("tp_btf/sched_entry_tp")
int ctxsw_entry(__u64 *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cpu_agg *a = bpf_map_lookup_elem(&cpus, &cpu);

	a->unpaired += ctl.epoch + per_task;	/* no NULL check: refused */
	return 0;
}
