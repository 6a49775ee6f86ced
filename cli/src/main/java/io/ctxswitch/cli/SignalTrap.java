package io.ctxswitch.cli;

import io.ctxswitch.core.run.AbruptExit;
import sun.misc.Signal;

/**
 * Ctrl+C and SIGTERM: the first asks the session to stop (it then prints its summary and exits 0);
 * a second Ctrl+C exits at once. Exiting at once leaks nothing: our BPF programs are not pinned, so
 * the kernel detaches them when the process's file descriptors close; children end with us; private
 * directories are removed by {@link AbruptExit}.
 */
final class SignalTrap {
    private final Runnable onFirst;
    private volatile boolean signalled;
    private volatile String waitingFor;

    SignalTrap(Runnable onFirst) {
        this.onFirst = onFirst;
    }

    /**
     * While set, a signal exits at once (130 or 143) with one line saying what was being waited for:
     * reading a trace's first bytes from a silent FIFO cannot be interrupted otherwise. Null clears it.
     */
    void waitingFor(String what) {
        waitingFor = what;
    }

    /** The C library's signal(), to undo an inherited "ignore". */
    interface LibC extends com.sun.jna.Library {
        int SIGINT = 2;
        com.sun.jna.Pointer SIG_DFL = com.sun.jna.Pointer.NULL;

        com.sun.jna.Pointer signal(int signum, com.sun.jna.Pointer handler);
    }

    void install() {
        // A background job of a non-interactive shell starts with SIGINT ignored, and the JVM then
        // quietly declines to handle it: a script's `kill -INT` would never end the trace.
        try {
            com.sun.jna.Native.load("c", LibC.class).signal(LibC.SIGINT, LibC.SIG_DFL);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // without JNA's native part, keep what we inherited
        }
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), this::handle);
        }
    }

    private void handle(Signal signal) {
        String waiting = waitingFor;
        if (waiting != null) {
            System.err.println("ctxswitch: interrupted while waiting for " + waiting);
            AbruptExit.halt(128 + signal.getNumber());
        }
        if (signalled) {
            if ("INT".equals(signal.getName())) {
                System.err.println();
                System.err.println("ctxswitch: interrupted again, exiting without a summary");
                AbruptExit.halt(130);
            }
            return;
        }
        signalled = true;
        onFirst.run();
    }
}
