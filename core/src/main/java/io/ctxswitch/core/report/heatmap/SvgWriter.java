package io.ctxswitch.core.report.heatmap;

import java.io.OutputStream;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The one place that writes SVG markup: elements, attributes and text through the JDK's StAX
 * writer, which escapes text and attribute values, so no SVG is ever assembled from strings.
 * Numbers are written with at most one decimal (a tenth of a pixel is finer than any screen), which
 * keeps an hour-long heat map small.
 */
final class SvgWriter implements AutoCloseable {
    static final String NS = "http://www.w3.org/2000/svg";

    private final XMLStreamWriter xml;

    /** Starts the document: an {@code <svg>} element of {@code width} × {@code height} pixels. */
    SvgWriter(OutputStream out, int width, int height) {
        try {
            xml = XMLOutputFactory.newInstance().createXMLStreamWriter(out, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("svg");
            xml.writeDefaultNamespace(NS);
            xml.writeAttribute("width", Integer.toString(width));
            xml.writeAttribute("height", Integer.toString(height));
            xml.writeAttribute("viewBox", "0 0 " + width + " " + height);
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot start the SVG document", e);
        }
    }

    /** Opens an element; attributes are name/value pairs. Close it with {@link #end}. */
    SvgWriter start(String name, Object... attributes) {
        try {
            xml.writeCharacters("\n");
            xml.writeStartElement(name);
            attributes(attributes);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** An element with no children. */
    SvgWriter empty(String name, Object... attributes) {
        try {
            xml.writeCharacters("\n");
            xml.writeEmptyElement(name);
            attributes(attributes);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** An element holding only text: {@code <text>}, {@code <title>}, {@code <style>}. */
    SvgWriter textElement(String name, String text, Object... attributes) {
        try {
            xml.writeStartElement(name);
            attributes(attributes);
            xml.writeCharacters(text);
            xml.writeEndElement();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** A rectangle with a tooltip: the {@code <title>} child is what a browser shows on hover. */
    SvgWriter rect(double x, double y, double width, double height, String cssClass, String title) {
        start("rect", "x", x, "y", y, "width", width, "height", height, "class", cssClass);
        textElement("title", title);
        return end();
    }

    SvgWriter end() {
        try {
            xml.writeEndElement();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    private void attributes(Object[] pairs) throws XMLStreamException {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name/value pairs");
        }
        for (int i = 0; i < pairs.length; i += 2) {
            xml.writeAttribute((String) pairs[i], value(pairs[i + 1]));
        }
    }

    /** A number with at most one decimal and no trailing zero ("12", "12.5"); anything else as text. */
    static String value(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            long tenths = Math.round(d * 10);
            if (tenths % 10 == 0) {
                return Long.toString(tenths / 10);
            }
            return String.format(Locale.ROOT, "%.1f", tenths / 10.0);
        }
        return String.valueOf(v);
    }

    /** Ends the document (every open element) and flushes; the stream stays open. */
    @Override
    public void close() {
        try {
            xml.writeEndDocument();
            xml.flush();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot finish the SVG document", e);
        }
    }
}
