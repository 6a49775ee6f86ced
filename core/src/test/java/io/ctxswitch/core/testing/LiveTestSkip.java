package io.ctxswitch.core.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one way a live test gives up because this machine lacks something it needs (root, a tool, a
 * kernel feature, a daemon). On a developer's machine the test is skipped, saying why on the console
 * as well as in the reports. Under CI (environment variable CI=true) it fails instead: the CI machine
 * installs everything (.ci/run), so a skip there means an install step is missing, and a skipped test
 * would let the behaviour it guards break unseen.
 */
public final class LiveTestSkip {
    private LiveTestSkip() {
    }

    /** True when the environment says this run is CI's. */
    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Skips the calling test (or fails it under CI=true) because {@code missing} is missing.
     *
     * @param missing what is missing and how to get it, e.g. "perf (apt-get install linux-perf)"
     */
    public static void because(String missing) {
        if (onCi()) {
            Assertions.fail("CI=true, yet this live test cannot run here: " + missing
                    + ". The CI machine is meant to run every live test: give it what is missing (.ci/run installs the tools).");
        }
        System.err.println("SKIPPED: " + missing);
        Assumptions.abort(missing);
    }

    /** {@link #because} unless {@code condition} holds. */
    public static void unless(boolean condition, String missing) {
        if (!condition) {
            because(missing);
        }
    }
}
