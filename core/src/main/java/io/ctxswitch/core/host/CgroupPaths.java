package io.ctxswitch.core.host;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves a cgroup v2 id (what {@code bpf_get_current_cgroup_id()} gives: the inode number of the
 * cgroup's directory) to its path below the hierarchy's root, "/" for the root itself. The hierarchy is
 * walked once, and again (at most once a second) when an id is not known yet: a cgroup created while
 * tracing is found then. A cgroup removed meanwhile is not found; its id stays the answer
 * ({@link #path} gives null). Where no cgroup v2 is mounted every task is in the root of the default
 * hierarchy, whose id is 1.
 */
public final class CgroupPaths {
    /** The root cgroup's id in every cgroup v2 hierarchy (kernfs's root inode). */
    public static final long ROOT_ID = 1;
    private static final long RESCAN_NS = 1_000_000_000L;

    private final List<Path> mounts;
    private final Map<Long, String> byId = new HashMap<>();
    private long lastScanNs;
    private boolean scanned;

    /** Over the cgroup v2 hierarchies mounted here (none: only the root is known). */
    public static CgroupPaths ofThisHost() {
        try {
            return new CgroupPaths(CgroupV2.mounts(Files.readString(Path.of("/proc/self/mountinfo"))));
        } catch (IOException e) {
            return new CgroupPaths(List.of());
        }
    }

    public CgroupPaths(List<Path> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    /** The path of cgroup {@code id} ("/" for the root, "/a/b" below it), or null if no such cgroup exists now. */
    public synchronized String path(long id) {
        if (id == ROOT_ID) {
            return "/";
        }
        String known = byId.get(id);
        if (known != null) {
            return known;
        }
        long now = System.nanoTime();
        if (!scanned || now - lastScanNs >= RESCAN_NS) {
            scan();
            lastScanNs = now;
            scanned = true;
        }
        return byId.get(id);
    }

    /** Walks the first hierarchy: every cgroup v2 mount of a host shows the same one. */
    private void scan() {
        if (mounts.isEmpty()) {
            return;
        }
        Path root = mounts.get(0);
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    Object inode = attrs.fileKey() == null ? null : inodeOf(dir);
                    if (inode instanceof Long id && !dir.equals(root)) {
                        byId.put(id, "/" + root.relativize(dir).toString());
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // a cgroup removed while walking
                }
            });
        } catch (IOException e) {
            // the root itself went away: nothing more to learn
        }
    }

    private static Object inodeOf(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }
}
