package io.ctxswitch.core.spi;

import java.io.InputStream;

/**
 * A trace format that {@code --replay} can read. The format is recognised from the content, never
 * from the file name.
 */
public interface ReplayFormat {

    /** For messages: "perf script text", "perf.data". */
    String name();

    /** Whether the first bytes of an input ({@code head[0, length)}, up to 64 KiB) look like this format. */
    boolean recognises(byte[] head, int length);

    /**
     * A source that replays {@code input} from its first byte to its end, then reports itself
     * finished. It owns the stream and closes it.
     *
     * @param inputName the file name, or "-" for standard input, for messages
     */
    LatencySource replay(InputStream input, String inputName, TraceOptions options) throws SourceException;
}
