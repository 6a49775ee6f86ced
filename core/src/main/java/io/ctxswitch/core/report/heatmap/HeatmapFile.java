package io.ctxswitch.core.report.heatmap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The heat map's file, rewritten whole at each interval and at the end. A reader (a browser
 * refreshing it, a copy) never sees half a picture: each version is written to a temporary file
 * beside the target, then renamed over it.
 */
public final class HeatmapFile {
    private final Path target;
    private final HeatmapSvg svg = new HeatmapSvg();

    public HeatmapFile(Path target) {
        this.target = target.toAbsolutePath();
    }

    public Path target() {
        return target;
    }

    public void write(HeatmapHeader header, HeatmapGrid grid, String note) throws IOException {
        replaceAtomically(target, out -> svg.write(header, grid, note, out));
    }

    /** What writes a file's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code content} to a temporary file in {@code target}'s directory (so that the rename
     * stays on one file system), then renames it over {@code target}. The one place that writes the
     * heat map's file, so that a shared output-path helper can take its place.
     */
    static void replaceAtomically(Path target, Content content) throws IOException {
        Path dir = target.getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            // A picture to look at, not a secret: readable by all like any file the user writes (the
            // temporary file starts as 0600).
            Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                content.writeTo(out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
