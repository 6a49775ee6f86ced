package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which line of bpftrace's stderr a failure quotes, on what real bpftrace printed. */
class BpftraceErrorLineTest {
    /** bpftrace 0.23.2 refusing a script (Debian trixie's, in the container test's image): position first, then an underline. */
    @Test
    void bpftrace023sErrorLineIsQuotedNotItsUnderline() throws Exception {
        String said = Files.readString(Path.of("src/test/resources/bpftrace/undefined-map-0.23.stderr"), StandardCharsets.UTF_8);
        assertThat(BpftraceSource.errorLine(said)).isEqualTo("stdin:43:2-28: ERROR: Undefined map: @ctxsw_untimed_start");
    }

    /** bpftrace 0.17's form, and its harmless warning, which is never the reason. */
    @Test
    void bpftrace017sErrorLineAndNotTheMemlockWarning() {
        String said = "WARNING: Could not set RLIMIT_MEMLOCK\nERROR: kprobe:nosuch: no such function\n";
        assertThat(BpftraceSource.errorLine(said)).isEqualTo("ERROR: kprobe:nosuch: no such function");
        assertThat(BpftraceSource.errorLine("something went wrong\n\n")).isEqualTo("something went wrong");
    }
}
