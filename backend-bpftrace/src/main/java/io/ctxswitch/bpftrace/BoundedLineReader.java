package io.ctxswitch.bpftrace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lines of bpftrace output, each at most {@link #MAX_LINE} bytes: a longer one (damage, or not
 * bpftrace output at all) is skipped to its end without being held in memory, so that a 50 MB line
 * needs no 50 MB of heap. Bytes that are not UTF-8 become replacement characters.
 */
final class BoundedLineReader {
    /** bpftrace -f json prints a whole map on one line: 16384 tasks are about 1 MB. */
    static final int MAX_LINE = 8 << 20;

    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int position;
    private int limit;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean overlong;

    BoundedLineReader(InputStream in) {
        this.in = in;
    }

    /** The next line without its newline (and a CR before it), or null at the end. */
    String next() throws IOException {
        line.reset();
        overlong = false;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(chunk);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return any ? finish() : null;
                }
            }
            any = true;
            int newline = position;
            while (newline < limit && chunk[newline] != '\n') {
                newline++;
            }
            if (!overlong) {
                if (line.size() + (newline - position) > MAX_LINE) {
                    overlong = true;
                    line.reset();
                } else {
                    line.write(chunk, position, newline - position);
                }
            }
            if (newline < limit) {
                position = newline + 1;
                return finish();
            }
            position = limit;
        }
    }

    /** Whether the line {@link #next} returned was longer than {@link #MAX_LINE} (it is returned empty). */
    boolean overlong() {
        return overlong;
    }

    private String finish() {
        if (overlong) {
            return "";
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
