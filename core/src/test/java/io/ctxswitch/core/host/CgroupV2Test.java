package io.ctxswitch.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupV2Test {
    /** This machine's layout: v1 under a tmpfs at /sys/fs/cgroup, no cgroup2. */
    private static final String V1_ONLY = """
            22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct
            """;

    private static String withV2At(Path dir) {
        return V1_ONLY + "40 22 0:40 / " + dir.toString().replace(" ", "\\040") + " rw,relatime shared:20 - cgroup2 none rw\n";
    }

    @Test
    void findsTheV2MountsOnly() {
        assertThat(CgroupV2.mounts(V1_ONLY)).isEmpty();
        assertThat(CgroupV2.mounts(withV2At(Path.of("/tmp/cg two")))).containsExactly(Path.of("/tmp/cg two"));
    }

    @Test
    void withoutCgroupV2ItSaysHowToMountIt(@TempDir Path dir) {
        assertThatThrownBy(() -> CgroupV2.check(dir, V1_ONLY)).isInstanceOf(CgroupV2.Refused.class)
                .hasMessageContaining("none is mounted here: mount one with 'mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none")
                .matches(e -> ((CgroupV2.Refused) e).notMounted());
    }

    @Test
    void acceptsADirectoryInsideAV2MountAndRefusesOthers(@TempDir Path dir) throws Exception {
        Path mount = Files.createDirectory(dir.resolve("cg two"));
        Path app = Files.createDirectory(mount.resolve("app"));
        assertThat(CgroupV2.check(mount.resolve("app/../app"), withV2At(mount))).isEqualTo(app.toRealPath());
        assertThat(CgroupV2.check(mount, withV2At(mount))).isEqualTo(mount.toRealPath());
        assertThatThrownBy(() -> CgroupV2.check(dir, withV2At(mount))).hasMessageContaining("is not in a cgroup v2 hierarchy")
                .matches(e -> !((CgroupV2.Refused) e).notMounted());
        assertThatThrownBy(() -> CgroupV2.check(mount.resolve("gone"), withV2At(mount))).hasMessageContaining("no such directory");
        Path file = Files.createFile(mount.resolve("cgroup.procs"));
        assertThatThrownBy(() -> CgroupV2.check(file, withV2At(mount))).hasMessageContaining("is not a directory");
    }
}
