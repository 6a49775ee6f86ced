package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HeadWindowTest {

    /** {@code n} bytes of junk without a newline, made as they are read: never held whole. */
    private static InputStream junk(long n) {
        return new InputStream() {
            private long left = n;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int k = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + k, (byte) 0);
                left -= k;
                return k;
            }
        };
    }

    private static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String string(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void theFirstWindowIsTheFirstSixteenLinesAtMost() throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("line ").append(i).append('\n');
        }
        HeadWindow window = new HeadWindow(text(lines.toString())).fill();
        assertThat(string(window.bytes())).startsWith("line 0\n").endsWith("line 15\n").doesNotContain("line 16");
        window.slide();
        assertThat(string(window.bytes())).startsWith("line 1\n").endsWith("line 16\n");
        assertThat(window.passedOver()).isEqualTo(1);
    }

    @Test
    void aFiftyMegabyteFirstLineIsPassedOverAsOneLineAndWhatFollowsIsKeptWhole() throws Exception {
        String trace = "first record\nsecond record\n";
        HeadWindow window = new HeadWindow(new SequenceInputStream(junk(50L << 20), text("\n" + trace))).fill();
        assertThat(window.bytes()).hasSize(HeadWindow.SIZE);
        window.slide();
        assertThat(string(window.bytes())).isEqualTo(trace);
        assertThat(window.passedOver()).isEqualTo(1);
        assertThat(string(window.rest().readAllBytes())).isEqualTo(trace);
    }

    @Test
    void blankLinesAndCommentsAreNotCountedAsJunk() throws Exception {
        HeadWindow window = new HeadWindow(text("junk\n\n  \r\n  # a comment\nmore junk\nrecord\n")).fill();
        for (int i = 0; i < 5; i++) {
            window.slide();
        }
        assertThat(string(window.bytes())).isEqualTo("record\n");
        assertThat(window.passedOver()).isEqualTo(2);
        window.slide();
        assertThat(window.atEnd()).isTrue();
    }

    @Test
    void junkWithoutANewlineToTheEndIsOneLine() throws Exception {
        HeadWindow window = new HeadWindow(junk(3L << 20)).fill();
        window.slide();
        assertThat(window.atEnd()).isTrue();
        assertThat(window.passedOver()).isEqualTo(1);
    }

    @Test
    void theRestStartsAtTheWindowAfterManyShortJunkLines() throws Exception {
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            input.append("junk ").append(i).append('\n');
        }
        input.append("record 1\nrecord 2\n");
        HeadWindow window = new HeadWindow(text(input.toString())).fill();
        while (!string(window.bytes()).startsWith("record")) {
            window.slide();
        }
        assertThat(window.passedOver()).isEqualTo(100_000);
        assertThat(string(window.rest().readAllBytes())).isEqualTo("record 1\nrecord 2\n");
    }
}
