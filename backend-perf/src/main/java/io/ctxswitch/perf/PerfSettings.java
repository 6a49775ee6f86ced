package io.ctxswitch.perf;

import java.nio.file.Path;

/**
 * The perf backend's own settings, given to {@link PerfModule} by the front end.
 *
 * @param binary the perf binary to run ({@code --perf}), or null for perf on PATH
 */
public record PerfSettings(Path binary) {
}
