package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What bpftrace --version prints across releases (0.17 in Debian 12, 0.23 in Debian 13, release candidates, git builds). */
class BpftraceVersionTest {
    @Test
    void realVersionLines() {
        assertThat(BpftraceVersion.parse("bpftrace v0.17.0")).isEqualTo(new BpftraceVersion(0, 17, 0));
        assertThat(BpftraceVersion.parse("bpftrace v0.23.2\n")).isEqualTo(new BpftraceVersion(0, 23, 2));
        assertThat(BpftraceVersion.parse("bpftrace v0.24.0-rc1")).isEqualTo(new BpftraceVersion(0, 24, 0));
        assertThat(BpftraceVersion.parse("bpftrace v0.20.1-12-g1a2b3c")).isEqualTo(new BpftraceVersion(0, 20, 1));
        assertThat(BpftraceVersion.parse("bpftrace: command not found")).isNull();
    }

    @Test
    void featuresByVersion() {
        BpftraceVersion v017 = BpftraceVersion.parse("bpftrace v0.17.0");
        BpftraceVersion v023 = BpftraceVersion.parse("bpftrace v0.23.2");
        assertThat(v017.atLeast(BpftraceVersion.RAW_SCHED_TRACEPOINTS)).isFalse();
        assertThat(v023.atLeast(BpftraceVersion.RAW_SCHED_TRACEPOINTS)).isTrue();
        assertThat(v017.atLeast(BpftraceVersion.FENTRY_SPELLING)).isFalse();
        assertThat(new BpftraceVersion(1, 0, 0).atLeast(BpftraceVersion.FENTRY_SPELLING)).isTrue();
        assertThat(new BpftraceVersion(0, 16, 9).atLeast(BpftraceVersion.OLDEST)).isFalse();
    }
}
