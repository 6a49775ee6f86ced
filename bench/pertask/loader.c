// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and attaches some programs of a BPF object, then waits for SIGINT or SIGTERM (for
 * bench/per-task-variants.sh):  loader OBJ PROG[,PROG...] [PER_TASK]
 * Sizes the maps ctxswitch's user space sizes (cpus: possible CPUs; cpu_tasks: CPUs x 128 with PER_TASK)
 * and sets .rodata's per_task (its first word) to PER_TASK when given. Prints "attached" once done.
 */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
			return 1;
		p += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int cpus = libbpf_num_possible_cpus(), per_task = argc > 3 ? atoi(argv[3]) : -1;

	if (argc < 3) {
		fprintf(stderr, "usage: loader OBJ PROG[,PROG...] [PER_TASK]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "loader: cannot open %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, listed(argv[2], bpf_program__name(prog)));
	if ((map = bpf_object__find_map_by_name(obj, "starts")) && bpf_map__max_entries(map) < (unsigned int)cpus) {
		fprintf(stderr, "loader: %s is built for at most %u CPUs, this machine has %d possible\n", argv[1],
			bpf_map__max_entries(map), cpus);
		return 3;
	}
	if ((map = bpf_object__find_map_by_name(obj, "cpus")))
		bpf_map__set_max_entries(map, cpus);
	if ((map = bpf_object__find_map_by_name(obj, "cpu_tasks")))
		bpf_map__set_max_entries(map, per_task > 0 ? cpus * 128 : 1);
	if (per_task >= 0 && (map = bpf_object__find_map_by_name(obj, ".rodata"))) {
		size_t size;
		unsigned int *rodata = (unsigned int *)bpf_map__initial_value(map, &size);

		if (!rodata || size < 4) {
			fprintf(stderr, "loader: no .rodata to set\n");
			return 1;
		}
		rodata[0] = per_task;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "loader: loading %s failed\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__autoload(prog) && !bpf_program__attach(prog)) {
			fprintf(stderr, "loader: attaching %s failed\n", bpf_program__name(prog));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
