package io.ctxswitch.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cgroup id is the inode number of its directory: resolved by walking the hierarchy (here an ordinary
 * directory tree stands in for it), a directory created later found on a later walk, one removed not.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CgroupPathsTest {
    @TempDir
    Path root;

    private static long inode(Path dir) throws Exception {
        return (Long) Files.getAttribute(dir, "unix:ino");
    }

    @Test
    void idsResolveToPathsBelowTheRoot() throws Exception {
        Path b = Files.createDirectories(root.resolve("a").resolve("b c"));
        CgroupPaths paths = new CgroupPaths(List.of(root));
        assertThat(paths.path(CgroupPaths.ROOT_ID)).isEqualTo("/");
        assertThat(paths.path(inode(b))).isEqualTo("/a/b c");
        assertThat(paths.path(inode(root.resolve("a")))).isEqualTo("/a");
    }

    @Test
    void aCgroupCreatedLaterIsFoundAndOneRemovedIsNot() throws Exception {
        Path early = Files.createDirectory(root.resolve("early"));
        long earlyId = inode(early);
        CgroupPaths paths = new CgroupPaths(List.of(root));
        assertThat(paths.path(earlyId)).isEqualTo("/early");
        Path late = Files.createDirectory(root.resolve("late"));
        long lateId = inode(late);
        Files.delete(late);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        assertThat(paths.path(lateId)).as("removed before any walk saw it").isNull();
        Path later = Files.createDirectory(root.resolve("later"));
        String found = paths.path(inode(later));
        while (found == null && System.nanoTime() < deadline) { // the next walk, at most a second later
            Thread.sleep(100);
            found = paths.path(inode(later));
        }
        assertThat(found).isEqualTo("/later");
    }

    @Test
    void withoutCgroupV2OnlyTheRootIsKnown() {
        CgroupPaths paths = new CgroupPaths(List.of());
        assertThat(paths.path(1)).isEqualTo("/");
        assertThat(paths.path(4242)).isNull();
    }
}
