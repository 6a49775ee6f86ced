package io.ctxswitch.exporter;

/**
 * The labels of {@code ctxswitch_info}: what is serving, and on which kernel.
 *
 * @param probe the probe mode's name (sched-tp, fentry, kprobe), not its long description
 */
public record ExporterInfo(String version, String backend, String probe, String kernel) {
}
