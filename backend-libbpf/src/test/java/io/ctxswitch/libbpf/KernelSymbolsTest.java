package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** finish_task_switch's name, from golden /proc/kallsyms lines (Debian's 6.1, and a kernel that keeps the plain name). */
class KernelSymbolsTest {
    private static String find(String kallsyms) throws Exception {
        return KernelSymbols.finishTaskSwitch(new BufferedReader(new StringReader(kallsyms)));
    }

    @Test
    void debian61RenamesIt() throws Exception {
        assertThat(find("ffffffff8d0dcf00 t __schedule\nffffffff8d0dcf60 t finish_task_switch.isra.0\n")).isEqualTo("finish_task_switch.isra.0");
    }

    @Test
    void thePlainNameWins() throws Exception {
        assertThat(find("ffffffff8d0dcf60 t finish_task_switch.isra.0\nffffffff8d0dd000 T finish_task_switch\n")).isEqualTo("finish_task_switch");
    }

    @Test
    void lookalikesAndHiddenAddressesAreNotTaken() throws Exception {
        assertThat(find("0000000000000000 t finish_task_switch_hook\n0000000000000000 d finish_task_switch.data\n")).isEqualTo("finish_task_switch");
    }
}
