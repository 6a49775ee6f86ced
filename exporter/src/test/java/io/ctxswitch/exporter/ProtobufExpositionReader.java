package io.ctxswitch.exporter;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a protobuf exposition (length-delimited {@code io.prometheus.client.MetricFamily} messages)
 * as far as the tests need: each histogram's labels and native histogram, its buckets decoded from
 * spans and deltas as Prometheus decodes them. Field numbers: client_model's {@code metrics.proto}.
 * A reader of its own, not the library's, so that it checks what is on the wire whoever wrote it.
 */
final class ProtobufExpositionReader {
    /** One data point's native histogram: its buckets by index (empty ones left out). */
    record NativeHistogram(int schema, double zeroThreshold, long zeroCount, TreeMap<Integer, Long> positive, int negativeSpans, int negativeDeltas) {
    }

    private ProtobufExpositionReader() {
    }

    /** The native histograms of {@code family}, by their labels written as {@code {name="value",...}}. */
    static Map<String, NativeHistogram> nativeHistograms(byte[] exposition, String family) throws IOException {
        Map<String, NativeHistogram> result = new LinkedHashMap<>();
        InputStream in = new ByteArrayInputStream(exposition);
        while (true) {
            int first = in.read();
            if (first < 0) {
                return result;
            }
            int size = CodedInputStream.readRawVarint32(first, in);
            CodedInputStream message = CodedInputStream.newInstance(in.readNBytes(size));
            String name = null;
            List<byte[]> metrics = new ArrayList<>();
            for (int tag; (tag = message.readTag()) != 0; ) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> name = message.readString();
                    case 4 -> metrics.add(message.readByteArray());
                    default -> message.skipField(tag);
                }
            }
            if (family.equals(name)) {
                for (byte[] metric : metrics) {
                    readMetric(metric, result);
                }
            }
        }
    }

    private static void readMetric(byte[] metric, Map<String, NativeHistogram> result) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(metric);
        StringBuilder labels = new StringBuilder("{");
        byte[] histogram = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    CodedInputStream pair = CodedInputStream.newInstance(in.readByteArray());
                    String name = "";
                    String value = "";
                    for (int t; (t = pair.readTag()) != 0; ) {
                        if (WireFormat.getTagFieldNumber(t) == 1) {
                            name = pair.readString();
                        } else if (WireFormat.getTagFieldNumber(t) == 2) {
                            value = pair.readString();
                        } else {
                            pair.skipField(t);
                        }
                    }
                    labels.append(labels.length() > 1 ? "," : "").append(name).append("=\"").append(value).append('"');
                }
                case 7 -> histogram = in.readByteArray();
                default -> in.skipField(tag);
            }
        }
        if (histogram != null) {
            result.put(labels.append('}').toString(), readHistogram(histogram));
        }
    }

    private static NativeHistogram readHistogram(byte[] histogram) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(histogram);
        int schema = Integer.MIN_VALUE;
        double zeroThreshold = Double.NaN;
        long zeroCount = -1;
        List<int[]> spans = new ArrayList<>();
        List<Long> deltas = new ArrayList<>();
        int negativeSpans = 0;
        int negativeDeltas = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 5 -> schema = in.readSInt32();
                case 6 -> zeroThreshold = in.readDouble();
                case 7 -> zeroCount = in.readUInt64();
                case 9 -> {
                    in.readByteArray();
                    negativeSpans++;
                }
                case 10 -> {
                    in.readSInt64();
                    negativeDeltas++;
                }
                case 12 -> spans.add(readSpan(in.readByteArray()));
                case 13 -> {
                    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) { // packed, as other writers may send
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            deltas.add(in.readSInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        deltas.add(in.readSInt64());
                    }
                }
                default -> in.skipField(tag);
            }
        }
        // Prometheus's decoding: the first span's offset is its first index, a later one's is the
        // gap after the span before; each delta is a bucket's count minus the previous bucket's.
        TreeMap<Integer, Long> positive = new TreeMap<>();
        int index = 0;
        long count = 0;
        int d = 0;
        for (int[] span : spans) {
            index += span[0];
            for (int i = 0; i < span[1]; i++, index++) {
                count += deltas.get(d++);
                if (count < 0) {
                    throw new IOException("negative count " + count + " at native bucket " + index);
                }
                if (count > 0) {
                    positive.put(index, count);
                }
            }
        }
        if (d != deltas.size()) {
            throw new IOException(deltas.size() + " deltas for " + d + " buckets of the spans");
        }
        return new NativeHistogram(schema, zeroThreshold, zeroCount, positive, negativeSpans, negativeDeltas);
    }

    private static int[] readSpan(byte[] span) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(span);
        int[] offsetAndLength = new int[2];
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> offsetAndLength[0] = in.readSInt32();
                case 2 -> offsetAndLength[1] = in.readUInt32();
                default -> in.skipField(tag);
            }
        }
        return offsetAndLength;
    }
}
