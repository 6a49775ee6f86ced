// SPDX-License-Identifier: GPL-2.0
/*
 * An independent minimal tracer of the same interval as ctxswitch's sched-tp mode, written without
 * any of ctxswitch's code: sum and count per CPU, nothing else. Tests compare ctxswitch's mean with
 * this one's, and the overhead benchmark uses it as the floor of what in-kernel aggregation costs.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct cpu_state {
	__u64 start;	/* entry time, 0 = none */
	__u64 count;
	__u64 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_state);
} state SEC(".maps");

SEC("tp_btf/sched_entry_tp")
int ref_entry(__u64 *ctx)
{
	__u32 zero = 0;
	struct cpu_state *s = bpf_map_lookup_elem(&state, &zero);

	if (s)
		s->start = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_exit_tp")
int ref_exit(__u64 *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct cpu_state *s = bpf_map_lookup_elem(&state, &zero);

	if (!s || !s->start)
		return 0;
	if ((__u8)ctx[0] && now >= s->start) {
		s->count++;
		s->sum += now - s->start;
	}
	s->start = 0;
	return 0;
}
