package io.ctxswitch.libbpf;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc functions the backend needs: mapping the kernel's aggregate, formatting libbpf's log,
 * opening a perf event for a kretprobe (see KretprobeEvent).
 */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int PROT_READ = 1;
    int MAP_SHARED = 1;
    Pointer MAP_FAILED = new Pointer(-1);

    Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(Pointer addr, long length);

    int vsnprintf(Pointer buffer, long size, Pointer format, Pointer args);

    String strerror(int errnum);

    long SYS_PERF_EVENT_OPEN = 298; // x86-64
    long PERF_FLAG_FD_CLOEXEC = 8;

    /** syscall(2) for perf_event_open(attr, pid, cpu, group_fd, flags). */
    int syscall(long number, Pointer attr, int pid, int cpu, int groupFd, long flags);

    int close(int fd);
}
