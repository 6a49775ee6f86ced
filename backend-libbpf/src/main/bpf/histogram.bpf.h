/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a sample goes into an interval's exact figures and the log-linear histogram: shared by ctxswitch.bpf.c
 * and the bench of its alternatives (bench/pertask/variants.bpf.c), so that the bench measures the program's
 * own arithmetic. Needs ctxswitch.h (SUB_BITS, MAX_EXP, NBUCKETS, struct interval_slot) first.
 */
#ifndef CTXSWITCH_HISTOGRAM_BPF_H
#define CTXSWITCH_HISTOGRAM_BPF_H

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

#endif
