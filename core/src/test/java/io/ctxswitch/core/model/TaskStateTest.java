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

    /** libbpf receives the raw __state (the values of include/linux/sched.h) and computes the letters as the kernel does. */
    @Test
    void rawStatesBecomeTheLettersTheKernelWouldPrint() {
        assertThat(TaskState.ofRaw(0x2001, false)).as("TASK_INTERRUPTIBLE | TASK_FREEZABLE").isEqualTo("S");
        assertThat(TaskState.ofRaw(0x102, false)).as("TASK_KILLABLE").isEqualTo("D");
        assertThat(TaskState.ofRaw(0x402, false)).as("TASK_IDLE").isEqualTo("I");
        assertThat(TaskState.ofRaw(0x1000, false)).as("TASK_RTLOCK_WAIT").isEqualTo("D");
        assertThat(TaskState.ofRaw(0x80, false)).as("TASK_DEAD").isEqualTo("X");
        assertThat(TaskState.ofRaw(0, false)).isEqualTo("R");
        assertThat(TaskState.ofRaw(0x1, true)).as("preempted while setting its state").isEqualTo("R+");
    }

    @Test
    void bitsTheKernelDoesNotReportAreShownNotDropped() {
        assertThat(TaskState.letters(0x1000 | 2)).isEqualTo("D|0x1000");
    }
}
