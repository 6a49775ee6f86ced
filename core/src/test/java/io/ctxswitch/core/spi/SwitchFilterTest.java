package io.ctxswitch.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SwitchFilterTest {

    @Test
    void cpuListsInTheKernelsSyntax() {
        assertThat(SwitchFilter.parseCpus("0-3,8")).containsExactly(0, 1, 2, 3, 8);
        assertThat(SwitchFilter.parseCpus("5")).containsExactly(5);
        assertThat(SwitchFilter.parseCpus("2,1,1-2")).containsExactly(1, 2);
        assertThat(SwitchFilter.cpuList(SwitchFilter.parseCpus("8,0-3,10,11"))).isEqualTo("0-3,8,10-11");
    }

    @Test
    void badCpuListsAreOneLineErrors() {
        assertThatThrownBy(() -> SwitchFilter.parseCpus("")).hasMessage("--cpus needs a CPU list, e.g. --cpus=0-3,8");
        assertThatThrownBy(() -> SwitchFilter.parseCpus("0-")).hasMessageContaining("'0-' is neither a CPU nor a range");
        assertThatThrownBy(() -> SwitchFilter.parseCpus("1,,2")).hasMessageContaining("'' is neither");
        assertThatThrownBy(() -> SwitchFilter.parseCpus("a")).hasMessageContaining("'a' is neither");
        assertThatThrownBy(() -> SwitchFilter.parseCpus("3-1")).hasMessageContaining("runs backwards");
        assertThatThrownBy(() -> SwitchFilter.parseCpus("8192")).hasMessageContaining("CPU 8192 is out of range (0 to 8191)");
        assertThatThrownBy(() -> SwitchFilter.parseCpus("-1")).hasMessageContaining("'-1' is neither");
    }

    @Test
    void idLists() {
        assertThat(SwitchFilter.parseIds("--pid", "40,12, 12")).containsExactly(12, 40);
        assertThatThrownBy(() -> SwitchFilter.parseIds("--pid", "")).hasMessageStartingWith("--pid needs at least one id");
        assertThatThrownBy(() -> SwitchFilter.parseIds("--tid", "0")).hasMessageContaining("'0' is not a process or thread id");
        assertThatThrownBy(() -> SwitchFilter.parseIds("--pid", "12,")).hasMessageContaining("'' is not");
        assertThatThrownBy(() -> SwitchFilter.parseIds("--pid", "-5")).hasMessageContaining("'-5' is not");
        assertThatThrownBy(() -> SwitchFilter.parseIds("--pid", "99999999999")).hasMessageContaining("is not");
    }

    @Test
    void namesAreFifteenBytesAtMost() {
        assertThat(SwitchFilter.checkComm("fifteen_bytes__")).isEqualTo("fifteen_bytes__");
        assertThat(SwitchFilter.checkComm("\"';{}$`")).isEqualTo("\"';{}$`");
        assertThatThrownBy(() -> SwitchFilter.checkComm("sixteen_bytes___")).hasMessageContaining("is 16 bytes");
        assertThatThrownBy(() -> SwitchFilter.checkComm("ééééééééé")).hasMessageContaining("is 18 bytes");
        assertThatThrownBy(() -> SwitchFilter.checkComm("")).hasMessageContaining("needs a task name");
        assertThatThrownBy(() -> SwitchFilter.checkComm("a\0b")).hasMessageContaining("NUL");
    }

    @Test
    void keepsOnlyWhatEveryFilterKeeps() {
        SwitchFilter f = new SwitchFilter(new TreeSet<>(Set.of(100)), new TreeSet<>(), "app", null, new TreeSet<>(Set.of(1)), true);
        assertThat(f.keeps(1, 7, 101, 100, "app")).isTrue();
        assertThat(f.keeps(0, 7, 101, 100, "app")).as("cpu").isFalse();
        assertThat(f.keeps(1, 0, 101, 100, "app")).as("from idle").isFalse();
        assertThat(f.keeps(1, 7, 0, 0, "swapper/1")).as("to idle").isFalse();
        assertThat(f.keeps(1, 7, 101, 99, "app")).as("pid").isFalse();
        assertThat(f.keeps(1, 7, 101, 100, "other")).as("comm").isFalse();
        assertThat(SwitchFilter.NONE.keeps(0, 0, 0, 0, "swapper/0")).isTrue();
    }

    @Test
    void describesWhatIsInForceAndWhatItAsksOfABackend() {
        assertThat(SwitchFilter.NONE.describe()).isNull();
        assertThat(SwitchFilter.NONE.features()).isEmpty();
        SwitchFilter f = new SwitchFilter(new TreeSet<>(Set.of(12, 40)), new TreeSet<>(Set.of(3)), "a b", Path.of("/cg/x"),
                new TreeSet<>(Set.of(0, 1, 2, 3, 8)), true);
        assertThat(f.describe()).isEqualTo("pid 12,40; tid 3; comm 'a b'; cgroup /cg/x and below; cpus 0-3,8; exclude-idle");
        assertThat(f.features()).containsOnlyKeys(Feature.PID_FILTER, Feature.TID_FILTER, Feature.COMM_FILTER,
                Feature.CGROUP_FILTER, Feature.CPU_FILTER, Feature.IDLE_FILTER);
        assertThat(f.features().get(Feature.CGROUP_FILTER)).isEqualTo("--cgroup");
    }
}
