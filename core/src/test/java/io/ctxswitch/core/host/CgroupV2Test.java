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

    /**
     * The level is the depth below the hierarchy's root: the mount's own root directory (a bind mount of a cgroup
     * shows it in mountinfo's root field) plus the path below the mount point; refused in a cgroup namespace of
     * its own, whose root is at a depth the process cannot see.
     */
    @Test
    void theLevelIsTheDepthBelowTheHierarchysRoot() throws Exception {
        String init = CgroupV2.INITIAL_NAMESPACE;
        assertThat(init).isEqualTo("cgroup:[4026531835]");
        Path mount = Path.of("/tmp/cg two");
        assertThat(CgroupV2.level(mount, withV2At(mount), init)).isZero();
        assertThat(CgroupV2.level(mount.resolve("app"), withV2At(mount), init)).isEqualTo(1);
        assertThat(CgroupV2.level(mount.resolve("app/late/x"), withV2At(mount), init)).isEqualTo(3);
        String bound = withV2At(mount) + "41 22 0:40 /app/late /tmp/late rw,relatime shared:21 - cgroup2 none rw\n";
        assertThat(CgroupV2.level(Path.of("/tmp/late/y"), bound, init)).as("below a bind mount of /app/late").isEqualTo(3);
        String nested = withV2At(mount) + "42 22 0:40 /app /tmp/cg\\040two/app/in rw,relatime shared:22 - cgroup2 none rw\n";
        assertThat(CgroupV2.level(mount.resolve("app/in/z"), nested, init)).as("the innermost mount holding it").isEqualTo(2);
        assertThatThrownBy(() -> CgroupV2.level(mount.resolve("app"), withV2At(mount), "cgroup:[4026532501]"))
                .hasMessageContaining("cgroup namespace of its own").hasMessageContaining("--cgroupns=host")
                .matches(e -> ((CgroupV2.Refused) e).notMounted());
        assertThatThrownBy(() -> CgroupV2.level(Path.of("/elsewhere"), withV2At(mount), init)).hasMessageContaining("not in a cgroup v2");
    }

    /** On this host: the id is the directory's inode, and /proc/self/ns/cgroup the initial namespace's (not in a container). */
    @Test
    void locateReadsTheInodeAndTheNamespace() throws Exception {
        java.util.List<Path> mounts = CgroupV2.mounts(Files.readString(Path.of("/proc/self/mountinfo")));
        org.junit.jupiter.api.Assumptions.assumeFalse(mounts.isEmpty(), "no cgroup v2 mounted here");
        org.junit.jupiter.api.Assumptions.assumeTrue(CgroupV2.INITIAL_NAMESPACE.equals(
                Files.readSymbolicLink(Path.of("/proc/self/ns/cgroup")).toString()), "in a cgroup namespace of its own");
        Path root = mounts.get(0).toRealPath();
        CgroupV2.Location l = CgroupV2.locate(root);
        assertThat(l.id()).isEqualTo(Files.getAttribute(root, "unix:ino"));
        assertThat(l.level()).isEqualTo(CgroupV2.level(root, Files.readString(Path.of("/proc/self/mountinfo")), CgroupV2.INITIAL_NAMESPACE));
    }
}
