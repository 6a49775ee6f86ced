package io.ctxswitch.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a {@code --cgroup} path against the mounted cgroup v2 hierarchies ({@code /proc/self/mountinfo}):
 * the BPF cgroup helpers work on cgroup v2 only, and a cgroup v1 directory or any other directory
 * would silently match nothing.
 */
public final class CgroupV2 {
    /** How to get a cgroup v2 hierarchy where none is mounted (e.g. a host with the v1 layout). */
    public static final String HOW_TO_MOUNT = "mount one with 'mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified'";

    /** Why a path cannot be used: {@link #notMounted} is an environment error, otherwise a usage error. */
    public static final class Refused extends Exception {
        private final boolean notMounted;

        Refused(String message, boolean notMounted) {
            super(message);
            this.notMounted = notMounted;
        }

        public boolean notMounted() {
            return notMounted;
        }
    }

    private CgroupV2() {
    }

    /** {@code path} as a real directory inside a cgroup v2 mount of this host. */
    public static Path check(Path path) throws Refused {
        String mountinfo;
        try {
            mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new Refused("cannot read /proc/self/mountinfo to find cgroup v2: " + e.getMessage(), true);
        }
        return check(path, mountinfo);
    }

    /** {@code path} as a real directory inside one of the cgroup v2 mounts that {@code mountinfo} lists. */
    static Path check(Path path, String mountinfo) throws Refused {
        List<Path> mounts = mounts(mountinfo);
        if (mounts.isEmpty()) {
            throw new Refused("--cgroup needs cgroup v2, and none is mounted here: " + HOW_TO_MOUNT
                    + ", then create the cgroup under it", true);
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            throw new Refused("--cgroup=" + path + ": no such directory (a cgroup v2 directory, e.g. under " + mounts.get(0) + ")", false);
        }
        if (!Files.isDirectory(real)) {
            throw new Refused("--cgroup=" + path + " is not a directory (a cgroup v2 directory, e.g. under " + mounts.get(0) + ")", false);
        }
        for (Path mount : mounts) {
            if (real.startsWith(mount)) {
                return real;
            }
        }
        throw new Refused("--cgroup=" + path + " is not in a cgroup v2 hierarchy (cgroup v2 is mounted at "
                + String.join(", ", mounts.stream().map(Path::toString).toList()) + ")", false);
    }

    /** Where cgroup v2 is mounted, from mountinfo lines ("... MOUNTPOINT OPTIONS [TAGS] - FSTYPE SOURCE OPTIONS"). */
    static List<Path> mounts(String mountinfo) {
        return v2Mounts(mountinfo).stream().map(Mount::point).toList();
    }

    /** A cgroup v2 mount: where it is, and which directory of the hierarchy it shows there (mountinfo's root field). */
    private record Mount(Path point, Path root) {
    }

    private static List<Mount> v2Mounts(String mountinfo) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            int dash = java.util.Arrays.asList(fields).indexOf("-");
            if (fields.length > 4 && dash > 4 && dash + 1 < fields.length && fields[dash + 1].equals("cgroup2")) {
                mounts.add(new Mount(Path.of(unescape(fields[4])), Path.of(unescape(fields[3]))));
            }
        }
        return mounts;
    }

    /**
     * A checked cgroup v2 directory as the kernel knows it: its id (kernfs's id, the directory's inode number, what
     * {@code bpf_get_current_cgroup_id()} gives) and its level (struct cgroup's {@code level}: its depth below the
     * hierarchy's root, 0 for the root), for a program that compares a task's cgroup's ancestor at that level.
     */
    public record Location(long id, int level) {
    }

    /** /proc/self/ns/cgroup's link in the initial cgroup namespace (PROC_CGROUP_INIT_INO, include/linux/proc_ns.h). */
    static final String INITIAL_NAMESPACE = "cgroup:[" + 0xEFFFFFFBL + "]";

    /** The id and level of {@code real}, a directory {@link #check} returned. */
    public static Location locate(Path real) throws Refused {
        String mountinfo;
        String namespace;
        Object inode;
        try {
            mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
            namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/cgroup")).toString();
            inode = Files.getAttribute(real, "unix:ino");
        } catch (IOException | UnsupportedOperationException e) {
            throw new Refused("cannot tell the id and depth of the cgroup " + real + ": " + e.getMessage(), true);
        }
        return new Location((Long) inode, level(real, mountinfo, namespace));
    }

    /**
     * The depth of {@code real} below the hierarchy's root: that of the directory the mount holding it shows (its
     * root field), plus its own below the mount point. In a cgroup namespace of its own a process sees the
     * namespace's cgroup as the root, at a depth it cannot know: refused then.
     */
    static int level(Path real, String mountinfo, String namespace) throws Refused {
        if (!INITIAL_NAMESPACE.equals(namespace)) {
            throw new Refused("the depth of --cgroup=" + real + " below the cgroup v2 root cannot be known from a cgroup namespace"
                    + " of its own (" + namespace + "), whose root is a cgroup somewhere below it: run ctxswitch in the host's cgroup"
                    + " namespace (docker run --cgroupns=host)", true);
        }
        Mount holder = null;
        for (Mount m : v2Mounts(mountinfo)) {
            if (real.startsWith(m.point()) && (holder == null || m.point().getNameCount() > holder.point().getNameCount())) {
                holder = m;
            }
        }
        if (holder == null) {
            throw new Refused("--cgroup=" + real + " is not in a cgroup v2 hierarchy", false);
        }
        int below = real.equals(holder.point()) ? 0 : holder.point().relativize(real).getNameCount();
        return holder.root().getNameCount() + below;
    }

    /** mountinfo writes space, tab, newline and backslash in octal ("\040"). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
