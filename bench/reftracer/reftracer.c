// SPDX-License-Identifier: GPL-2.0
/*
 * reftracer SECONDS: attaches reftracer.bpf.o, prints "attached" on stderr, sleeps SECONDS (or
 * until SIGINT/SIGTERM), then prints "count <n> sum_ns <s> mean_ns <m>" on stdout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "reftracer.skel.h"

struct cpu_state { __u64 start, count, sum; };

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5;
	struct reftracer_bpf *skel = reftracer_bpf__open_and_load();
	int ncpu = libbpf_num_possible_cpus(), err;
	struct timespec t = { 0, 10 * 1000 * 1000 };
	__u64 count = 0, sum = 0;
	__u32 zero = 0;

	if (!skel || ncpu <= 0) {
		fprintf(stderr, "reftracer: load failed: %s\n", strerror(errno));
		return 3;
	}
	err = reftracer_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "reftracer: attach failed: %s\n", strerror(-err));
		return 3;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	for (double waited = 0; waited < seconds && !stop; waited += 0.01)
		nanosleep(&t, NULL);
	reftracer_bpf__detach(skel);

	struct cpu_state *per_cpu = calloc(ncpu, sizeof(*per_cpu));
	if (!per_cpu || bpf_map__lookup_elem(skel->maps.state, &zero, sizeof(zero), per_cpu,
					     ncpu * sizeof(*per_cpu), 0)) {
		fprintf(stderr, "reftracer: reading the map failed\n");
		return 1;
	}
	for (int i = 0; i < ncpu; i++) {
		count += per_cpu[i].count;
		sum += per_cpu[i].sum;
	}
	printf("count %llu sum_ns %llu mean_ns %.1f\n", (unsigned long long)count,
	       (unsigned long long)sum, count ? (double)sum / count : 0.0);
	reftracer_bpf__destroy(skel);
	free(per_cpu);
	return 0;
}
