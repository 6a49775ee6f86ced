package io.ctxswitch.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** sched_switch's prev_state (__trace_sched_switch_state) in the letters perf sched and ps use. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskStateTest {
    @Test
    void eachReportedBitHasItsLetter() {
        assertThat(TaskState.letters(0)).isEqualTo("R");
        assertThat(TaskState.letters(0x100)).isEqualTo("R+");
        assertThat(TaskState.letters(1)).isEqualTo("S");
        assertThat(TaskState.letters(2)).isEqualTo("D");
        assertThat(TaskState.letters(4)).isEqualTo("T");
        assertThat(TaskState.letters(8)).isEqualTo("t");
        assertThat(TaskState.letters(0x10)).isEqualTo("X");
        assertThat(TaskState.letters(0x20)).isEqualTo("Z");
        assertThat(TaskState.letters(0x40)).isEqualTo("P");
        assertThat(TaskState.letters(0x80)).isEqualTo("I");
    }

    @Test
    void bitsTheKernelDoesNotReportAreShownNotDropped() {
        assertThat(TaskState.letters(0x1000 | 2)).isEqualTo("D|0x1000");
    }
}
