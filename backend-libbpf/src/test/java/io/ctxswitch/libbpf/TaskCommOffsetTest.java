package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.testing.LiveTestSkip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where this kernel keeps a task's name, as TaskCommOffset reads the kernel's BTF through libbpf, against what
 * bpftool prints of the same BTF. Loads nothing into the kernel.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TaskCommOffsetTest {

    @Test
    void findsTaskStructsCommWhereBpftoolSeesIt() throws Exception {
        LiveTestSkip.unless(Files.isReadable(HostFacts.VMLINUX_BTF), "TaskCommOffsetTest: the kernel has no BTF (" + HostFacts.VMLINUX_BTF + ")");
        LiveTestSkip.unless(Files.isExecutable(Path.of("/usr/sbin/bpftool")), "TaskCommOffsetTest: bpftool is missing (apt-get install bpftool)");
        int expected = bpftoolsCommOffset();

        assertThat(TaskCommOffset.find(Libbpf.load())).isEqualTo(expected);
    }

    /** task_struct's 'comm' member in `bpftool btf dump file /sys/kernel/btf/vmlinux format raw`, in bytes. */
    private static int bpftoolsCommOffset() throws Exception {
        Process bpftool = new ProcessBuilder("/usr/sbin/bpftool", "btf", "dump", "file", HostFacts.VMLINUX_BTF.toString(), "format", "raw")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dump = new String(bpftool.getInputStream().readAllBytes());
        assertThat(bpftool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Matcher task = Pattern.compile("(?m)^\\[\\d+\\] STRUCT 'task_struct' size=\\d+ vlen=\\d+$").matcher(dump);
        assertThat(task.find()).as("task_struct in bpftool's dump").isTrue();
        // Its members are the tab-indented lines that follow; this kernel's task_struct has comm at top level.
        Matcher comm = Pattern.compile("\\G(?:\\t[^\\n]*\\n)*?\\t'comm' type_id=\\d+ bits_offset=(\\d+)").matcher(dump);
        assertThat(comm.find(task.end() + 1)).as("task_struct's comm in bpftool's dump").isTrue();
        int bits = Integer.parseInt(comm.group(1));
        assertThat(bits % 8).isZero();
        return bits / 8;
    }
}
