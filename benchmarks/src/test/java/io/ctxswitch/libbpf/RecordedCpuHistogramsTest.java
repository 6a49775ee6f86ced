package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordedCpuHistogramsTest {
    @Test
    void readsEachCpusSparseBuckets() throws Exception {
        List<RecordedCpuHistograms.Cpu> cpus = RecordedCpuHistograms.parse(new BufferedReader(new StringReader(
                "# comment\ncpu 0 count 5 sum_ns 900\n3 2\n200 3\ncpu 1 count 1 sum_ns 7\n7 1\n")));
        assertThat(cpus).hasSize(2);
        assertThat(cpus.get(0).hist()[3]).isEqualTo(2);
        assertThat(cpus.get(0).hist()[200]).isEqualTo(3);
        assertThat(cpus.get(0).sumNs()).isEqualTo(900);
        assertThat(cpus.get(1).hist()[7]).isEqualTo(1);
        assertThat(Arrays.stream(cpus.get(1).hist()).sum()).isEqualTo(1);
    }

    @Test
    void theRecordedFixtureLoadsWithEveryCpusBucketsAddingUpToItsCount() {
        List<RecordedCpuHistograms.Cpu> cpus = RecordedCpuHistograms.load();
        assertThat(cpus).isNotEmpty();
        assertThat(cpus).allSatisfy(cpu -> assertThat(cpu.count()).isPositive());
    }

    @Test
    void refusesACpuWhoseBucketsAreNotItsCount() {
        assertThatThrownBy(() -> RecordedCpuHistograms.parse(new BufferedReader(new StringReader(
                "cpu 0 count 5 sum_ns 900\n3 2\ncpu 1 count 1 sum_ns 7\n7 1\n"))))
                .hasMessageContaining("CPU 0's buckets add up to 2, not its count 5");
    }

    @Test
    void refusesCpusOutOfOrder() {
        assertThatThrownBy(() -> RecordedCpuHistograms.parse(new BufferedReader(new StringReader("cpu 1 count 1 sum_ns 7\n7 1\n"))))
                .hasMessageContaining("expected \"cpu 0 count C sum_ns S\"");
    }
}
