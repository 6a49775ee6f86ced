package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.Availability;
import org.junit.jupiter.api.Test;

/** Every missing piece gives one line naming it and how to get it; the first missing piece wins. */
class HostFactsTest {
    private static final HostFacts GOOD = new HostFacts(null, true, true, true, true, "6.18.0");

    @Test
    void aCapableHostIsAvailable() {
        Availability a = GOOD.schedTpAvailability();
        assertThat(a.available()).isTrue();
        assertThat(a.reason()).contains("sched_entry_tp").contains("6.18.0");
    }

    @Test
    void missingLibbpfIsNamedFirst() {
        Availability a = new HostFacts("libbpf (libbpf.so.1) could not be loaded: install it with 'apt-get install libbpf1'",
                false, false, false, false, "6.1.0").schedTpAvailability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("apt-get install libbpf1");
    }

    @Test
    void notRootSaysHowToGetThePrivilege() {
        Availability a = new HostFacts(null, false, false, true, true, "6.18.0").schedTpAvailability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("root").contains("CAP_BPF").contains("sudo");
        Availability containerRoot = new HostFacts(null, false, true, true, true, "6.18.0").schedTpAvailability();
        assertThat(containerRoot.reason()).contains("this root process lacks CAP_BPF and CAP_PERFMON").contains("--cap-add").doesNotContain("sudo");
    }

    @Test
    void noBtfNamesTheFileAndTheKernelOption() {
        Availability a = new HostFacts(null, true, true, false, false, "5.4.0").schedTpAvailability();
        assertThat(a.reason()).contains("/sys/kernel/btf/vmlinux").contains("CONFIG_DEBUG_INFO_BTF").contains("5.4.0");
    }

    @Test
    void anOldKernelNamesTheTracepointsAndTheVersionThatHasThem() {
        Availability a = new HostFacts(null, true, true, true, false, "6.1.0-28-amd64").schedTpAvailability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("6.1.0-28-amd64").contains("sched_entry_tp").contains("6.15");
        assertThat(a.reason()).doesNotContain("\n");
    }
}
