package io.ctxswitch.cli;

import sun.misc.Signal;

/**
 * Ctrl+C and SIGTERM: the first asks the session to stop (it then prints its summary and exits 0);
 * a second Ctrl+C exits at once. Exiting at once leaks nothing: our BPF programs are not pinned, so
 * the kernel detaches them when the process's file descriptors close.
 */
final class SignalTrap {
    private final Runnable onFirst;
    private volatile boolean signalled;

    SignalTrap(Runnable onFirst) {
        this.onFirst = onFirst;
    }

    void install() {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), this::handle);
        }
    }

    private void handle(Signal signal) {
        if (signalled) {
            if ("INT".equals(signal.getName())) {
                System.err.println();
                System.err.println("ctxswitch: interrupted again, exiting without a summary");
                Runtime.getRuntime().halt(130);
            }
            return;
        }
        signalled = true;
        onFirst.run();
    }
}
