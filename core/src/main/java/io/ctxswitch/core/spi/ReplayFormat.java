package io.ctxswitch.core.spi;

import java.io.InputStream;

/**
 * A trace format that {@code --replay} can read. The format is recognised from the content, never
 * from the file name.
 */
public interface ReplayFormat {

    /** For messages: "perf script text", "perf.data". */
    String name();

    /**
     * Whether a window of an input ({@code head[0, length)}: from the start of a line, up to 16 lines
     * or 64 KiB) looks like this format. Asked first at the input's first byte, then, while no format
     * recognises it, one line further each time, through junk of any length.
     */
    boolean recognises(byte[] head, int length);

    /**
     * A source that replays {@code input} to its end, then reports itself finished. It owns the
     * stream and closes it.
     *
     * @param input the input from the start of the window this format recognised
     * @param inputName the file name, or "-" for standard input, for messages
     * @param skippedLines the lines passed over before that window (junk, neither blank nor a
     *                     {@code #} comment): counted as skipped lines, like unreadable lines within
     *                     the trace
     */
    LatencySource replay(InputStream input, String inputName, long skippedLines, TraceOptions options) throws SourceException;
}
