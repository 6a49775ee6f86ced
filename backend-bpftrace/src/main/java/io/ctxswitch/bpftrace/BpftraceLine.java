package io.ctxswitch.bpftrace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of bpftrace's output, in either of its formats (bpftrace 0.17 to 0.23 print both the same
 * way for the maps our script keeps): text ({@code @name: 5}, {@code @name[1, 2, comm]: 5}, printf
 * lines, bpftrace's own chatter) or {@code -f json} (one object per line: {@code {"type": "map",
 * "data": {"@name": {"1,2,comm": 5}}}}, {@code {"type": "printf", ...}}, ...). A pure function of
 * the line.
 */
final class BpftraceLine {
    /** What a line says. */
    sealed interface Entry permits MapValue, Printed, Lost, Chatter, Unparsable {
    }

    /** One value of a map: {@code key} is empty for a map without keys, else its parts in order. */
    record MapValue(String map, List<String> key, long value) implements Entry {
    }

    /** A line the script printed with printf. */
    record Printed(String text) implements Entry {
    }

    /** Events bpftrace lost (its perf buffer overflowed). */
    record Lost(long events) implements Entry {
    }

    /** bpftrace's own messages and blank lines: nothing to count. */
    record Chatter() implements Entry {
    }

    /** Anything else: skipped and counted. */
    record Unparsable(String why) implements Entry {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TEXT_MAP = Pattern.compile("^(@\\w+)(?:\\[(.*)\\])?: (-?\\d+)$");
    private static final Pattern TEXT_LOST = Pattern.compile("^Lost (\\d+) events");
    private static final Chatter CHATTER = new Chatter();

    private BpftraceLine() {
    }

    /**
     * What {@code line} (without its newline) says; a JSON map line gives one entry per key.
     * {@code keyParts} tells how many parts a map's key has, by map name (a task's name, the last
     * part, may itself contain commas); maps it does not know keep their key as one part.
     */
    static List<Entry> parse(String line, Map<String, Integer> keyParts) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return List.of(CHATTER);
        }
        if (trimmed.startsWith("{")) {
            return json(trimmed, keyParts);
        }
        return List.of(text(trimmed, keyParts));
    }

    private static Entry text(String line, Map<String, Integer> keyParts) {
        Matcher m = TEXT_MAP.matcher(line);
        if (m.matches()) {
            try {
                long value = Long.parseLong(m.group(3));
                return new MapValue(m.group(1), key(m.group(2), ", ", keyParts.getOrDefault(m.group(1), 1)), value);
            } catch (NumberFormatException e) {
                return new Unparsable("value out of range");
            }
        }
        Matcher lost = TEXT_LOST.matcher(line);
        if (lost.find()) {
            return new Lost(Long.parseLong(lost.group(1)));
        }
        if (line.startsWith("ctxswitch")) {
            return new Printed(line);
        }
        if (line.startsWith("Attaching ") || line.startsWith("WARNING:") || line.startsWith("ERROR:")) {
            return CHATTER;
        }
        return new Unparsable("not a line of bpftrace's output");
    }

    private static List<String> key(String text, String separator, int parts) {
        if (text == null) {
            return List.of();
        }
        return List.of(text.split(Pattern.quote(separator), parts));
    }

    private static List<Entry> json(String line, Map<String, Integer> keyParts) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return List.of(new Unparsable("broken JSON"));
        }
        String type = node.path("type").asText("");
        JsonNode data = node.path("data");
        switch (type) {
            case "printf" -> {
                List<Entry> printed = new ArrayList<>();
                data.asText("").lines().filter(l -> !l.isBlank()).forEach(l -> printed.add(new Printed(l.strip())));
                return printed.isEmpty() ? List.of(CHATTER) : printed;
            }
            case "lost_events" -> {
                return List.of(new Lost(data.path("events").asLong(0)));
            }
            case "map" -> {
                return jsonMap(data, keyParts);
            }
            case "attached_probes", "time", "join", "helper_error", "syscall", "value" -> {
                return List.of(CHATTER);
            }
            default -> {
                return List.of(new Unparsable("unknown JSON message type '" + type + "'"));
            }
        }
    }

    private static List<Entry> jsonMap(JsonNode data, Map<String, Integer> keyParts) {
        List<Entry> values = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> maps = data.fields();
        while (maps.hasNext()) {
            Map.Entry<String, JsonNode> map = maps.next();
            String name = map.getKey();
            JsonNode value = map.getValue();
            if (value.isIntegralNumber()) {
                values.add(new MapValue(name, List.of(), value.asLong()));
            } else if (value.isObject()) {
                int parts = keyParts.getOrDefault(name, 1);
                Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
                while (entries.hasNext()) {
                    Map.Entry<String, JsonNode> e = entries.next();
                    if (!e.getValue().isIntegralNumber()) {
                        return List.of(new Unparsable("map " + name + " has a value that is not a whole number"));
                    }
                    values.add(new MapValue(name, key(e.getKey(), ",", parts), e.getValue().asLong()));
                }
            } else {
                return List.of(new Unparsable("map " + name + " has a value of an unknown shape"));
            }
        }
        return values;
    }
}
