/*
 * The coverage test's mixed load (cli/src/test/vm/coverage.sh): forks one task per role, prints
 * "ROLE PID" for each, and runs until killed, or with -t SECONDS that long (then it kills the
 * tasks). Roles named on the command line start only those, e.g. "mixed-load -t 4 sleep-50ms". Every task stays on the CPU it was started on (the
 * caller pins it), so that they all switch with each other there:
 *   sleep-1ms   sleeps 1 ms at a time (a switch to and from idle, or to the others, each time)
 *   sleep-50ms  sleeps 50 ms at a time
 *   zero-reader reads /dev/zero 4 MiB at a time: its time is in the kernel, where it is preempted
 *   syscalls    a tight loop of getppid(): in and out of the kernel
 *   ping, pong  a pipe ping-pong, one byte each way
 * and only when named (the --by=kind test's, KindIT):
 *   spin-a, spin-b    a busy loop in user mode, never in the kernel: it leaves the CPU only when preempted
 *   yield-a, yield-b  SCHED_FIFO 1, a loop of sched_yield(): on a CPU they share, every switch between them
 *                     is a yield (a FIFO task has no time slice; only a higher-priority task preempts it)
 * Build: gcc -O2 -o mixed-load mixed-load.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleeper(long ns)
{
	struct timespec t = { ns / 1000000000L, ns % 1000000000L };

	for (;;)
		nanosleep(&t, NULL);
}

static void zero_reader(void)
{
	static char buf[4 << 20];
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0) {
		perror("/dev/zero");
		exit(1);
	}
	for (;;)
		if (read(fd, buf, sizeof(buf)) < 0)
			exit(1);
}

static void syscalls(void)
{
	for (;;)
		syscall(SYS_getppid);
}

static void bounce(int in, int out, int first)
{
	char c = 'x';

	if (first && write(out, &c, 1) != 1)
		exit(1);
	for (;;) {
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			exit(1);
	}
}

static void spin(void)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
}

static void yielder(void)
{
	struct sched_param fifo = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO, &fifo)) {
		perror("sched_setscheduler");
		exit(1);
	}
	for (;;)
		sched_yield();
}

static pid_t pids[16];
static int npids;
static char **wanted;
static int nwanted;

static pid_t start_if(int all, const char *role, void (*run)(void *), void *arg)
{
	pid_t pid;
	int i, take = all && nwanted == 0;

	for (i = 0; i < nwanted; i++)
		take |= strcmp(wanted[i], role) == 0;
	if (!take)
		return 0;
	pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		run(arg);
		_exit(0);
	}
	printf("%s %d\n", role, (int)pid);
	pids[npids++] = pid;
	return pid;
}

/* A role started when no role is named, or when it is. */
static pid_t start(const char *role, void (*run)(void *), void *arg)
{
	return start_if(1, role, run, arg);
}

/* A role started only when named. */
static pid_t start_named(const char *role, void (*run)(void *), void *arg)
{
	return start_if(0, role, run, arg);
}

static void run_sleeper(void *ns) { sleeper(*(long *)ns); }
static void run_zero(void *unused) { zero_reader(); }
static void run_syscalls(void *unused) { syscalls(); }
static void run_spin(void *unused) { spin(); }
static void run_yield(void *unused) { yielder(); }
static int ab[2], ba[2];
static void run_ping(void *unused) { bounce(ba[0], ab[1], 1); }
static void run_pong(void *unused) { bounce(ab[0], ba[1], 0); }

int main(int argc, char **argv)
{
	static long ms1 = 1000000L, ms50 = 50000000L;
	int seconds = 0, i;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		seconds = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	wanted = argv + 1;
	nwanted = argc - 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(ab) || pipe(ba)) {
		perror("pipe");
		return 1;
	}
	start("sleep-1ms", run_sleeper, &ms1);
	start("sleep-50ms", run_sleeper, &ms50);
	start("zero-reader", run_zero, NULL);
	start("syscalls", run_syscalls, NULL);
	start("ping", run_ping, NULL);
	start("pong", run_pong, NULL);
	start_named("spin-a", run_spin, NULL);
	start_named("spin-b", run_spin, NULL);
	start_named("yield-a", run_yield, NULL);
	start_named("yield-b", run_yield, NULL);
	printf("started\n");
	if (seconds > 0) {
		sleep(seconds);
		for (i = 0; i < npids; i++)
			kill(pids[i], SIGKILL);
		while (wait(NULL) > 0)
			;
		return 0;
	}
	for (;;)
		pause();
}
