package io.ctxswitch.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {

    @Test
    void readsTheEffectiveSetFromProcStatus() {
        Capabilities root = Capabilities.parse("Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n");
        Capabilities nobody = Capabilities.parse("Name:\tjava\nCapEff:\t0000000000000000\n");
        Capabilities bpfAndPerfmon = Capabilities.parse("CapEff:\t000000c000000000\n");
        Capabilities bpfOnly = Capabilities.parse("CapEff:\t0000008000000000\n");
        Capabilities perfmonOnly = Capabilities.parse("CapEff:\t0000004000000000\n");
        Capabilities sysAdmin = Capabilities.parse("CapEff:\t0000000000200000\n");
        assertThat(root.canTraceWithBpf()).isTrue();
        assertThat(nobody.canTraceWithBpf()).isFalse();
        assertThat(nobody.canPerfSystemWide()).isFalse();
        assertThat(bpfAndPerfmon.canTraceWithBpf()).isTrue();
        assertThat(bpfOnly.canTraceWithBpf()).isFalse();
        assertThat(perfmonOnly.canPerfSystemWide()).isTrue();
        assertThat(perfmonOnly.canTraceWithBpf()).isFalse();
        assertThat(sysAdmin.canTraceWithBpf()).isTrue();
        assertThat(Capabilities.parse("").has(Capabilities.CAP_BPF)).isFalse();
    }

    @Test
    void rootWithoutCapabilitiesIsToldWhichToAddNotToUseSudo() {
        Capabilities containerRoot = Capabilities.parse("Uid:\t0\t0\t0\t0\nCapEff:\t0000000000000000\n");
        Capabilities user = Capabilities.parse("Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n");
        assertThat(containerRoot.root()).isTrue();
        assertThat(user.root()).isFalse();
        assertThat(containerRoot.howToGet("CAP_BPF")).contains("lacks CAP_BPF").contains("--cap-add").doesNotContain("sudo");
        assertThat(user.howToGet("CAP_BPF")).isEqualTo("run it with sudo");
    }
}
