package io.ctxswitch.bpftrace;

import java.nio.file.Path;

/**
 * The bpftrace backend's own settings, given to {@link BpftraceModule} by the front end.
 *
 * @param binary the bpftrace binary to run ({@code --bpftrace}), or null for bpftrace on PATH
 */
public record BpftraceSettings(Path binary) {
}
