package io.ctxswitch.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/**
 * A window over the start of an input, for recognising its format: from the start of a line, up to
 * {@link #LINES} lines or {@link #SIZE} bytes. {@link #slide} passes over the window's first line,
 * so that a trace is found after junk of any length (a 50 MB first line included) in a fixed
 * buffer: a line longer than the window is read through to its end, never held.
 */
final class HeadWindow {
    /** Bytes a window holds at most. */
    static final int SIZE = 1 << 16;
    /** Lines a window holds at most: a slow producer (a pipe, a FIFO) is not waited for beyond them. */
    static final int LINES = 16;

    private final InputStream in;
    private final byte[] buffer = new byte[SIZE * 2];
    private int start; // the window's first byte, at the start of a line
    private int end;   // bytes read so far end here
    private boolean eof;
    private long passedOver;

    HeadWindow(InputStream in) {
        this.in = in;
    }

    /** Reads what the window can hold: the input's first window. */
    HeadWindow fill() throws IOException {
        while (!eof && windowEnd() == -1) {
            if (end == buffer.length) { // room for a whole window after the start
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = in.read(buffer, end, buffer.length - end);
            if (n < 0) {
                eof = true;
            } else {
                end += n;
            }
        }
        return this;
    }

    /**
     * Where the window ends: after its {@link #LINES}th line or {@link #SIZE} bytes, whichever comes
     * first; -1 if neither has been read yet.
     */
    private int windowEnd() {
        int limit = Math.min(end, start + SIZE);
        int lines = 0;
        for (int i = start; i < limit; i++) {
            if (buffer[i] == '\n' && ++lines == LINES) {
                return i + 1;
            }
        }
        return limit == start + SIZE ? limit : -1;
    }

    /** The window's bytes, copied: the first of them start a line. */
    byte[] bytes() {
        int to = windowEnd();
        return java.util.Arrays.copyOfRange(buffer, start, to == -1 ? end : to);
    }

    /** Nothing is left from the window's start on. */
    boolean atEnd() {
        return start == end && eof;
    }

    /**
     * Passes over the window's first line (to its newline, however far), counts it if it held
     * anything but blanks or a {@code #} comment, and fills the window again.
     */
    HeadWindow slide() throws IOException {
        boolean junk = false;
        boolean firstByte = true;
        while (true) {
            int i = start;
            while (i < end && buffer[i] != '\n') {
                byte b = buffer[i];
                if (firstByte && b == '#') {
                    firstByte = false; // a comment, whatever follows
                } else if (firstByte && b != ' ' && b != '\t' && b != '\r') {
                    junk = true;
                    firstByte = false;
                }
                i++;
            }
            if (i < end) { // the line's newline
                start = i + 1;
                break;
            }
            start = end = 0; // a line longer than the buffer: drop what is read, read on
            int n = eof ? -1 : in.read(buffer, 0, buffer.length);
            if (n < 0) {
                eof = true;
                break;
            }
            end = n;
        }
        if (junk) {
            passedOver++;
        }
        return fill();
    }

    /** The lines {@link #slide} passed over that were not blank or comments. */
    long passedOver() {
        return passedOver;
    }

    /** The input from the window's start on: what is buffered, then the rest of the stream. */
    InputStream rest() {
        return new SequenceInputStream(new ByteArrayInputStream(buffer, start, end - start), in);
    }
}
