package io.ctxswitch.cli;

import io.ctxswitch.core.testing.SchedTpHost;
import java.io.IOException;

/** Whether this machine can run the live tests: {@link SchedTpHost}, shared with the backends' tests. */
final class LiveHost {
    private LiveHost() {
    }

    static boolean root() throws IOException {
        return SchedTpHost.root();
    }

    static void assumeSchedTpCapable() {
        SchedTpHost.assumeCapable();
    }
}
