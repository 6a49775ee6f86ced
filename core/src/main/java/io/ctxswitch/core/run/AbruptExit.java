package io.ctxswitch.core.run;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exiting at once (a second Ctrl+C) halts the JVM, which skips every close() and shutdown hook.
 * What must not be left behind even then, private temporary directories above all, is registered
 * here by its owner and undone by {@link #halt}. Children need nothing: they end with us (see
 * ChildProcess), and BPF programs are not pinned.
 */
public final class AbruptExit {
    private static final Set<Runnable> CLEANUPS = ConcurrentHashMap.newKeySet();

    private AbruptExit() {
    }

    /** Runs {@code cleanup} if ctxswitch halts before {@link #unregister} (quick, and never blocking). */
    public static void register(Runnable cleanup) {
        CLEANUPS.add(cleanup);
    }

    public static void unregister(Runnable cleanup) {
        CLEANUPS.remove(cleanup);
    }

    /** Runs the registered cleanups, then halts with {@code status}. */
    public static void halt(int status) {
        for (Runnable cleanup : CLEANUPS) {
            try {
                cleanup.run();
            } catch (RuntimeException e) {
                // the others still run
            }
        }
        Runtime.getRuntime().halt(status);
    }
}
