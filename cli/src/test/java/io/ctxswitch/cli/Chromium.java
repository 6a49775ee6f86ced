package io.ctxswitch.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/** Debian's headless Chromium, to see a picture as a person opening it in a browser would. */
final class Chromium {
    private Chromium() {
    }

    static void assumeInstalled() {
        if (!Jar.onPath("chromium")) {
            Jar.skip("chromium is missing (apt-get install chromium)");
        }
    }

    /** Renders {@code file} in a window of exactly {@code width} × {@code height} CSS pixels, one device pixel each. */
    static BufferedImage screenshot(Path file, int width, int height, Path png) throws Exception {
        Path profile = Files.createTempDirectory("ctxswitch-chromium");
        try {
            Process p = new ProcessBuilder(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--user-data-dir=" + profile,
                    "--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                    file.toAbsolutePath().toUri().toString()))
                    .redirectErrorStream(true).redirectOutput(profile.resolve("log").toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish a screenshot in 90 s");
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(png)) {
                throw new AssertionError("chromium failed (" + p.exitValue() + "): " + Files.readString(profile.resolve("log")));
            }
            return ImageIO.read(png.toFile());
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
