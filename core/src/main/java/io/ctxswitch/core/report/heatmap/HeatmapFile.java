package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.files.OutputFile;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The heat map's file, rewritten whole at each interval and at the end. A reader (a browser
 * refreshing it, a copy) never sees half a picture: {@link OutputFile} writes each version beside
 * the target and renames it over the previous one.
 */
public final class HeatmapFile {
    private final OutputFile file;
    private final HeatmapSvg svg = new HeatmapSvg();

    /** @param file checked before tracing, like every output file */
    public HeatmapFile(OutputFile file) {
        this.file = file.readableByAll();
    }

    public Path target() {
        return file.path();
    }

    /** Writes the picture; on failure the exception's message is the reason, in words. */
    public void write(HeatmapHeader header, HeatmapPanels panels, String note) throws IOException {
        file.write(out -> {
            OutputStream buffered = new BufferedOutputStream(out, 1 << 16);
            svg.write(header, panels, note, buffered);
            buffered.flush();
        });
    }
}
