package io.ctxswitch.core.testing;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workload of known size whose own switches the kernel counts for us: two threads of this JVM,
 * pinned to one CPU, hand a turn back and forth, so that each round trip is at least two context
 * switches on that CPU, one into each thread.
 *
 * <p>After {@link #run} the threads stay alive, blocked, until {@link #close}: a test stops its
 * tracers meanwhile and then reads the kernel's own count of the threads' switches
 * ({@link #kernelSwitches}, from /proc/self/task/TID/status), which exist only while they live.
 * Every switch away from a task adds one to its voluntary or nonvoluntary count (kernel/sched/core.c,
 * __schedule); a blocked task has been switched into as often as out of, so these counts are also the
 * number of switches into each thread that a tracer covering the threads' whole life must see.
 */
public final class PinnedPingPong implements AutoCloseable {
    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int sched_setaffinity(int pid, long cpusetsize, long[] mask);

        int gettid();
    }

    private static final Pattern SWITCHES = Pattern.compile("(?m)^(?:voluntary|nonvoluntary)_ctxt_switches:\\s+(\\d+)$");

    private final int[] tids = new int[2];
    private final long[] switchesAtStart = new long[2];
    private final Thread[] threads = new Thread[2];
    private final CountDownLatch pinned = new CountDownLatch(2);
    private final CountDownLatch done = new CountDownLatch(2);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile int turn = -1;
    private volatile Throwable failure;

    /** Runs {@code roundTrips} round trips on {@code cpu} and ends the threads: for tests that need no counts. */
    public static void once(int cpu, int roundTrips) throws InterruptedException {
        try (PinnedPingPong p = new PinnedPingPong()) {
            p.run(cpu, roundTrips);
        }
    }

    /** Runs the round trips; returns once both threads are done with them (they then wait for {@link #close}). */
    public void run(int cpu, int roundTrips) throws InterruptedException {
        for (int side = 0; side < 2; side++) {
            int me = side;
            threads[side] = new Thread(() -> {
                try {
                    tids[me] = C.INSTANCE.gettid();
                    switchesAtStart[me] = kernelSwitches(tids[me]);
                    long[] mask = new long[16];
                    mask[cpu / 64] = 1L << (cpu % 64);
                    if (C.INSTANCE.sched_setaffinity(0, mask.length * 8L, mask) != 0) {
                        throw new IllegalStateException("sched_setaffinity failed: errno " + Native.getLastError());
                    }
                    pinned.countDown();
                    for (int i = 0; i < roundTrips; i++) {
                        while (turn != me) {
                            LockSupport.park(this);
                        }
                        turn = 1 - me;
                        LockSupport.unpark(threads[1 - me]);
                    }
                } catch (Throwable t) {
                    failure = t;
                    pinned.countDown();
                } finally {
                    done.countDown();
                }
                awaitRelease();
            }, "pingpong-" + side);
        }
        threads[0].start();
        threads[1].start();
        // Both must be pinned before the first hand-over, so each waits for its turn from the start.
        pinned.await();
        turn = 0;
        LockSupport.unpark(threads[0]);
        done.await();
        if (failure != null) {
            throw new IllegalStateException("the ping-pong failed", failure);
        }
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The kernel task ids of the two threads, known once {@link #run} returns. */
    public int[] tids() {
        return tids.clone();
    }

    /** The kernel's count of switches away from thread {@code tid} so far (voluntary + nonvoluntary). */
    public long kernelSwitches(int tid) {
        try {
            Matcher m = SWITCHES.matcher(Files.readString(Path.of("/proc/self/task/" + tid + "/status")));
            long sum = 0;
            int found = 0;
            while (m.find()) {
                sum += Long.parseLong(m.group(1));
                found++;
            }
            if (found != 2) {
                throw new IllegalStateException("no switch counts in /proc/self/task/" + tid + "/status");
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The kernel's count of switches away from thread {@code side} (0 or 1) when it began its part, its
     * name ("pingpong-0", "pingpong-1") already set by the JVM: once it is blocked, the switches into it
     * since then, all under that name, are {@code kernelSwitches(tid) - switchesAtStart(side)}. The
     * switches into it before (its first run, as "java" or the like) are not under that name.
     */
    public long switchesAtStart(int side) {
        return switchesAtStart[side];
    }

    /** {@link #kernelSwitches(int)} of both threads together. */
    public long kernelSwitches() {
        return kernelSwitches(tids[0]) + kernelSwitches(tids[1]);
    }

    /** Lets the threads end, and waits until they have. */
    @Override
    public void close() throws InterruptedException {
        release.countDown();
        for (Thread t : threads) {
            if (t != null) {
                t.join();
            }
        }
    }
}
