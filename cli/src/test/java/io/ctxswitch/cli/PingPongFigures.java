package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctxswitch.core.testing.PinnedPingPong;

/**
 * What a tracer reported for a {@link PinnedPingPong}'s two threads, against the kernel's own count of
 * their switches: the bound of a live test, taken from what really happened in that run.
 */
final class PingPongFigures {
    /** The threads' task ids and the kernel's switch counts for them, read after the tracers stopped. */
    record Counted(int[] tids, long[] kernel) {
        long total() {
            return kernel[0] + kernel[1];
        }
    }

    private PingPongFigures() {
    }

    /** Reads the kernel's counts now: call it once the tracers have stopped, before closing the workload. */
    static Counted count(PinnedPingPong workload) {
        int[] tids = workload.tids();
        return new Counted(tids, new long[] {workload.kernelSwitches(tids[0]), workload.kernelSwitches(tids[1])});
    }

    /** The summary's entry in top_processes for task {@code tid}, or fails. */
    static JsonNode task(JsonNode summary, int tid) {
        for (JsonNode p : summary.get("top_processes")) {
            if (p.get("pid").asInt() == tid) {
                return p;
            }
        }
        throw new AssertionError("task " + tid + " is not in top_processes: " + summary.get("top_processes"));
    }

    /**
     * Each thread's count in {@code summary} (a tracer that ran from before the threads started until
     * after they blocked for the last time, with --top large enough to list them) is the kernel's count,
     * less at most the switches that the tracer itself reports it could not pair or lost: a switch into
     * a thread is either a sample of that thread, or one of those. Never more than the kernel counted.
     */
    static void assertEachThreadMeasured(JsonNode summary, Counted counted) {
        long notSamples = summary.get("unpaired").asLong() + summary.get("lost").asLong();
        for (int i = 0; i < 2; i++) {
            long seen = task(summary, counted.tids()[i]).get("count").asLong();
            assertThat(seen).as("switches into task %d: the kernel counted %d, the tracer reports %d unpaired or lost",
                    counted.tids()[i], counted.kernel()[i], notSamples)
                    .isBetween(counted.kernel()[i] - notSamples, counted.kernel()[i]);
        }
    }
}
