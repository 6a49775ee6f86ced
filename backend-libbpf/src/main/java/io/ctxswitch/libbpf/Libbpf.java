package io.ctxswitch.libbpf;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.ctxswitch.core.spi.SourceException;

/**
 * libbpf, loaded once per process through JNA (its functions: {@link LibbpfNative}), with its log
 * captured rather than printed: the log (the verifier's complaint among it) is shown only when
 * loading fails.
 */
final class Libbpf {
    /** Overrides where libbpf is loaded from, for a libbpf outside the linker's path. */
    static final String LIBRARY_ENV = "CTXSWITCH_LIBBPF";
    static final String DEFAULT_LIBRARY = "libbpf.so.1";
    static final int MIN_MAJOR = 1;

    private static Libbpf instance;

    final LibbpfNative api;
    final int major;
    final int minor;
    private final StringBuilder log = new StringBuilder();
    private final LibbpfNative.PrintFn printer = this::print; // held here: libbpf keeps only a raw pointer to it

    private Libbpf(LibbpfNative api, int major, int minor) {
        this.api = api;
        this.major = major;
        this.minor = minor;
    }

    /** libbpf, or an environment error naming what is missing and how to get it. */
    static synchronized Libbpf load() throws SourceException {
        if (instance != null) {
            return instance;
        }
        String path = System.getenv().getOrDefault(LIBRARY_ENV, DEFAULT_LIBRARY);
        LibbpfNative api;
        try {
            api = Native.load(path, LibbpfNative.class);
        } catch (UnsatisfiedLinkError e) {
            throw SourceException.environment("libbpf (" + path + ") could not be loaded: install it with 'apt-get install libbpf1'"
                    + (System.getenv(LIBRARY_ENV) != null ? " or fix " + LIBRARY_ENV : ""));
        }
        int major;
        int minor;
        try {
            major = api.libbpf_major_version();
            minor = api.libbpf_minor_version();
        } catch (UnsatisfiedLinkError e) {
            throw tooOld("older than 0.6");
        }
        if (major < MIN_MAJOR) {
            throw tooOld(major + "." + minor);
        }
        Libbpf lib = new Libbpf(api, major, minor);
        api.libbpf_set_print(lib.printer);
        instance = lib;
        return lib;
    }

    private static SourceException tooOld(String version) {
        return SourceException.environment("libbpf " + version + " is too old: ctxswitch needs libbpf 1.0 or later"
                + " (Debian 12 and Ubuntu 22.10 and later: apt-get install libbpf1)");
    }

    String version() {
        return major + "." + minor;
    }

    /** Forgets what libbpf said so far: call before an operation whose log may be shown. */
    private static final int LOG_LIMIT = 1 << 20; // a verifier log can be long; a megabyte is plenty to show
    private com.sun.jna.Memory printBuffer;

    synchronized void clearLog() {
        log.setLength(0);
    }

    synchronized String log() {
        return log.toString().strip();
    }

    private int print(int level, Pointer format, Pointer args) {
        if (level > LibbpfNative.LIBBPF_INFO) {
            return 0;
        }
        synchronized (this) {
            // One message can be a whole verifier log, and a va_list can be formatted only once: a
            // buffer as large as what we keep, allocated on the first message (they come only on load).
            if (printBuffer == null) {
                printBuffer = new com.sun.jna.Memory(LOG_LIMIT);
            }
            int n = LibC.INSTANCE.vsnprintf(printBuffer, LOG_LIMIT, format, args);
            if (n > 0 && log.length() < LOG_LIMIT) {
                log.append(new String(printBuffer.getByteArray(0, (int) Math.min(n, LOG_LIMIT - 1)),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return 0;
    }

    /** The text of an errno, e.g. "Operation not permitted". */
    static String strerror(int errno) {
        return LibC.INSTANCE.strerror(Math.abs(errno));
    }
}
