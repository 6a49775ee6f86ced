package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A cgroup v2 hierarchy of a test's own, mounted under target/ (this machine's /sys/fs/cgroup is
 * cgroup v1 on a tmpfs; a second mount of the v2 hierarchy is the same hierarchy, so it also works
 * where /sys/fs/cgroup is v2).
 *
 * <p>A test class whose tests each make cgroups in it registers one as a static
 * {@code @RegisterExtension} field: it is mounted before the class's first test, the cgroups a test
 * made ({@link #create}, {@link #removeAfterTest}) are removed after that test once its loads have
 * exited, and it is unmounted after the last test.
 */
final class CgroupV2 implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final String name;
    private Path root;
    /** The cgroups the running test made, the last first: a child goes before its parent. */
    private final Deque<Path> made = new ArrayDeque<>();

    /** The hierarchy at target/{@code name}, for a test class that registers it. */
    CgroupV2(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        root = mount(name);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        while (!made.isEmpty()) {
            removeWhenEmpty(made.pop());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        unmount(root);
    }

    /** The mounted hierarchy's root. */
    Path root() {
        return root;
    }

    /** Creates the cgroup {@code name} below the root (unless a run before left it); removed after the test. */
    Path create(String name) throws Exception {
        return removeAfterTest(Files.createDirectories(root.resolve(name)));
    }

    /**
     * Has {@code cgroup} (one the test creates itself while it runs, or a cgroup's child) removed after the
     * test if it exists then, before the cgroups made until now.
     */
    Path removeAfterTest(Path cgroup) {
        made.push(cgroup);
        return cgroup;
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
