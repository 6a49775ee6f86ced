package io.ctxswitch.libbpf;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.concurrent.locks.LockSupport;

/**
 * A workload of known size: two threads pinned to one CPU hand a turn back and forth, so that each
 * round trip is at least two context switches on that CPU, one into each thread.
 */
final class PinnedPingPong {
    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int sched_setaffinity(int pid, long cpusetsize, long[] mask);

        int gettid();
    }

    /** The kernel task ids of the two threads, known once {@link #run} returns. */
    final int[] tids = new int[2];
    private volatile int turn;

    void run(int cpu, int roundTrips) throws InterruptedException {
        Thread[] threads = new Thread[2];
        for (int side = 0; side < 2; side++) {
            int me = side;
            threads[side] = new Thread(() -> {
                tids[me] = C.INSTANCE.gettid();
                long[] mask = new long[16];
                mask[cpu / 64] = 1L << (cpu % 64);
                if (C.INSTANCE.sched_setaffinity(0, mask.length * 8L, mask) != 0) {
                    throw new IllegalStateException("sched_setaffinity failed: errno " + Native.getLastError());
                }
                for (int i = 0; i < roundTrips; i++) {
                    while (turn != me) {
                        LockSupport.park(this);
                    }
                    turn = 1 - me;
                    LockSupport.unpark(threads[1 - me]);
                }
            }, "pingpong-" + side);
        }
        // Both must be pinned before the first hand-over, so each waits for its turn from the start.
        turn = -1;
        threads[0].start();
        threads[1].start();
        Thread.sleep(50);
        turn = 0;
        LockSupport.unpark(threads[0]);
        threads[0].join();
        threads[1].join();
    }
}
