package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A cgroup v2 hierarchy of a test's own, mounted under target/ (this machine's /sys/fs/cgroup is
 * cgroup v1 on a tmpfs; a second mount of the v2 hierarchy is the same hierarchy, so it also works
 * where /sys/fs/cgroup is v2).
 */
final class CgroupV2 {
    private CgroupV2() {
    }

    /** Mounts the hierarchy at target/{@code name} unless it is mounted there already; skips (fails on CI) if it cannot. */
    static Path mount(String name) throws Exception {
        Path root = Path.of("target", name).toAbsolutePath();
        Files.createDirectories(root);
        if (!Files.exists(root.resolve("cgroup.procs"))) {
            Process mount = new ProcessBuilder("mount", "-t", "cgroup2", "none", root.toString()).redirectErrorStream(true).start();
            String said = new String(mount.getInputStream().readAllBytes());
            if (mount.waitFor() != 0) {
                Jar.skip("cannot mount cgroup v2 at " + root + ": " + said.strip());
            }
        }
        return root;
    }

    static void unmount(Path root) throws Exception {
        if (root != null) {
            new ProcessBuilder("umount", root.toString()).inheritIO().start().waitFor();
        }
    }

    /** Removes {@code cgroup}, waiting (bounded) until its last task has exited: rmdir fails while one is left. */
    static void removeWhenEmpty(Path cgroup) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(cgroup)) {
            try {
                Files.delete(cgroup);
            } catch (java.nio.file.FileSystemException busy) {
                assertThat(System.nanoTime()).as("%s removed", cgroup).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }
}
