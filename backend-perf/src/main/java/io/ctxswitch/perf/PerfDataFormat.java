package io.ctxswitch.perf;

import io.ctxswitch.core.files.PrivateDirectory;
import io.ctxswitch.core.host.ChildProcess;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A perf.data recording (ours from --record, or anyone's): printed by perf script, whose text is then
 * replayed. Needs perf.
 */
public final class PerfDataFormat implements ReplayFormat {
    private static final byte[] MAGIC = "PERFILE2".getBytes(StandardCharsets.US_ASCII);

    private final PerfSettings settings;

    @jakarta.inject.Inject
    public PerfDataFormat(PerfSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "perf.data";
    }

    @Override
    public boolean recognises(byte[] head, int length) {
        if (length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public LatencySource replay(InputStream input, String inputName, long skippedLines, TraceOptions options)
            throws SourceException {
        PerfTool perf;
        try {
            perf = PerfTool.find(settings.binary());
        } catch (SourceException e) {
            closeQuietly(input);
            throw SourceException.environment("replaying a perf.data file needs perf: " + e.getMessage());
        }
        return new ScriptReplaySource(new PerfDataInput(perf, input, inputName), inputName,
                PerfScriptFormat.PROBE + " (replay of " + inputName + ", a perf.data file)", skippedLines, options.filter(), options.byKind(),
                options.slowerNs());
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** perf script reads a file, not a pipe: standard input is first copied into a private directory. */
    private static final class PerfDataInput implements ScriptReplaySource.Input {
        private final PerfTool perf;
        private final InputStream input;
        private final String inputName;
        private PrivateDirectory dir;
        private ChildProcess script;

        PerfDataInput(PerfTool perf, InputStream input, String inputName) {
            this.perf = perf;
            this.input = input;
            this.inputName = inputName;
        }

        @Override
        public InputStream open() throws IOException {
            dir = new PrivateDirectory();
            Path data = dir.resolve("perf.data");
            try (input) {
                Files.copy(input, data, StandardCopyOption.REPLACE_EXISTING);
            }
            script = perf.script(data);
            return script.stdout();
        }

        @Override
        public void finished() throws SourceException {
            try {
                if (!script.waitFor(PerfTool.SCRIPT_EXIT)) {
                    throw SourceException.environment("perf script did not exit within " + PerfTool.SCRIPT_EXIT.toSeconds()
                            + " s of the end of its output");
                }
                if (script.exitStatus() != 0) {
                    throw SourceException.input("perf script could not read " + inputName + ": " + PerfTool.firstLine(script.stderr()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (script != null) {
                script.close();
            }
            if (dir != null) {
                dir.close();
            }
        }
    }
}
