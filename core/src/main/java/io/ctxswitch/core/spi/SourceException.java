package io.ctxswitch.core.spi;

/**
 * An expected failure with a message fit for a user (one line, what went wrong and how to fix it).
 * The kind decides the exit code (docs/spi.md, "Errors and exit codes").
 */
public class SourceException extends Exception {

    /** What failed, which is also what the exit code tells a script. */
    public enum Kind {
        /** No privilege, a missing tool or kernel feature: exit 3. */
        ENVIRONMENT(3),
        /** An unreadable or unrecognisable trace: exit 4. */
        INPUT(4),
        /** Anything else: exit 1. */
        UNEXPECTED(1),
        /** Stopped by the user (Ctrl+C, SIGTERM) while starting, before tracing began: not a failure. */
        CANCELLED(0);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;
    private final String detail;

    public SourceException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    /** {@code detail} is shown under the message, e.g. the verifier's log when a program fails to load. */
    public SourceException(Kind kind, String message, String detail, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.detail = detail;
    }

    public static SourceException environment(String message) {
        return new SourceException(Kind.ENVIRONMENT, message);
    }

    public static SourceException input(String message) {
        return new SourceException(Kind.INPUT, message);
    }

    public static SourceException cancelled(String message) {
        return new SourceException(Kind.CANCELLED, message);
    }

    public Kind kind() {
        return kind;
    }

    public String detail() {
        return detail;
    }
}
