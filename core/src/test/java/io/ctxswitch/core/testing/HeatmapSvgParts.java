package io.ctxswitch.core.testing;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The parts of a heat map SVG that tests look at, read back from the file itself (a namespace-aware
 * DOM), so that core's unit tests and the CLI's live run check the same things the same way.
 */
public final class HeatmapSvgParts {
    private HeatmapSvgParts() {
    }

    public static Document parse(byte[] svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg));
    }

    /** The cells: the rectangles of the "cells" group. */
    public static List<Element> cells(Document doc) {
        List<Element> cells = new ArrayList<>();
        NodeList groups = doc.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("cells")) {
                NodeList rects = g.getElementsByTagName("rect");
                for (int j = 0; j < rects.getLength(); j++) {
                    cells.add((Element) rects.item(j));
                }
            }
        }
        return cells;
    }

    /** The cells of each CPU's panel ({@code --per-cpu}), by CPU: the rectangles of its "cpu-cells" group. */
    public static java.util.SortedMap<Integer, List<Element>> cpuCells(Document doc) {
        java.util.SortedMap<Integer, List<Element>> byCpu = new java.util.TreeMap<>();
        NodeList groups = doc.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("cpu-cells")) {
                int cpu = Integer.parseInt(((Element) g.getParentNode()).getAttribute("id").replace("cpu-", ""));
                List<Element> cells = new ArrayList<>();
                NodeList rects = g.getElementsByTagName("rect");
                for (int j = 0; j < rects.getLength(); j++) {
                    cells.add((Element) rects.item(j));
                }
                byCpu.put(cpu, cells);
            }
        }
        return byCpu;
    }

    /** The frame of CPU {@code cpu}'s panel: the plot rectangle its cells are drawn in. */
    public static Element cpuFrame(Document doc, int cpu) {
        NodeList groups = doc.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("id").equals("cpu-" + cpu)) {
                NodeList rects = g.getElementsByTagName("rect");
                for (int j = 0; j < rects.getLength(); j++) {
                    if (((Element) rects.item(j)).getAttribute("class").equals("plot")) {
                        return (Element) rects.item(j);
                    }
                }
            }
        }
        throw new AssertionError("no panel for CPU " + cpu);
    }

    /** A cell's tooltip. */
    public static String title(Element cell) {
        return cell.getElementsByTagName("title").item(0).getTextContent();
    }

    /** The count a cell's tooltip states: the number after its last ": ". */
    public static long count(Element cell) {
        String title = title(cell);
        return Long.parseLong(title.substring(title.lastIndexOf(": ") + 2).replace(",", ""));
    }

    /** Every text element's content, in document order. */
    public static List<String> texts(Document doc) {
        List<String> texts = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName("text");
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent());
        }
        return texts;
    }
}
