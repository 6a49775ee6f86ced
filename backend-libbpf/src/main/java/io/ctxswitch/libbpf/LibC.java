package io.ctxswitch.libbpf;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc functions the backend needs: mapping the kernel's aggregate, formatting libbpf's log,
 * reading the programs' clock, and opening a cgroup directory for --cgroup.
 */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int PROT_READ = 1;
    int MAP_SHARED = 1;
    Pointer MAP_FAILED = new Pointer(-1);
    /** The clock of bpf_ktime_get_ns(). */
    int CLOCK_MONOTONIC = 1;
    int CLOCK_REALTIME = 0;

    int O_RDONLY = 0;
    int O_DIRECTORY = 0200000;
    int O_CLOEXEC = 02000000;

    /** Two arguments only: the mode is needed only when creating, which we never do. */
    int open(String path, int flags);

    int close(int fd);

    Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(Pointer addr, long length);

    int vsnprintf(Pointer buffer, long size, Pointer format, Pointer args);

    String strerror(int errnum);

    /** Fills {@code timespec} (two longs: seconds, nanoseconds) on 64-bit Linux. */
    int clock_gettime(int clock, Pointer timespec);

}
