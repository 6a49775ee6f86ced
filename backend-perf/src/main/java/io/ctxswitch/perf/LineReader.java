package io.ctxswitch.perf;

import java.io.IOException;
import java.io.InputStream;

/**
 * Lines of bytes from a stream, in a fixed buffer: memory does not depend on the input. A line
 * longer than the buffer (a 50 MB junk line) is passed over in pieces and reported as overlong, not
 * collected. The last line may lack its newline.
 */
public final class LineReader {
    /** Far longer than any perf script line; an overlong line is damage. */
    public static final int MAX_LINE = 1 << 16;

    private final InputStream in;
    private final byte[] buffer = new byte[MAX_LINE * 2];
    private int pos;
    private int limit;
    private boolean eof;
    private int lineStart;
    private int lineEnd;
    private boolean overlong;

    public LineReader(InputStream in) {
        this.in = in;
    }

    /** Advances to the next line; false at the end of the input. */
    public boolean next() throws IOException {
        overlong = false;
        while (true) {
            int nl = indexOfNewline(pos, limit);
            if (nl >= 0) {
                lineStart = pos;
                lineEnd = nl;
                pos = nl + 1;
                return true;
            }
            if (eof) {
                if (pos < limit) { // a last line without newline
                    lineStart = pos;
                    lineEnd = limit;
                    pos = limit;
                    return true;
                }
                return false;
            }
            if (limit - pos >= MAX_LINE) {
                skipRestOfLine();
                return true;
            }
            fill();
        }
    }

    /** Drops bytes up to and including the next newline; the line is reported empty and overlong. */
    private void skipRestOfLine() throws IOException {
        overlong = true;
        pos = limit = 0;
        while (true) {
            int n = in.read(buffer, 0, buffer.length);
            if (n < 0) {
                eof = true;
                break;
            }
            int nl = indexOfNewline(0, n);
            if (nl >= 0) {
                pos = nl + 1;
                limit = n;
                break;
            }
        }
        lineStart = lineEnd = 0;
    }

    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buffer, pos, buffer, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n < 0) {
            eof = true;
        } else {
            limit += n;
        }
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW_BITS = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    /** The first '\n' in buffer[from, to), eight bytes at a time (the line scan is a third of a replay's work). */
    private int indexOfNewline(int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long v = (long) LONGS.get(buffer, i) ^ NEWLINES; // a zero byte where a newline was
            long found = (v - LOW_BITS) & ~v & HIGH_BITS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The current line's bytes are {@code buffer()[start(), end())}, valid until {@link #next}. */
    public byte[] buffer() {
        return buffer;
    }

    public int start() {
        return lineStart;
    }

    public int end() {
        return lineEnd;
    }

    /** The current line was longer than {@link #MAX_LINE} and was dropped. */
    public boolean overlong() {
        return overlong;
    }
}
