package io.ctxswitch.core.report.heatmap;

import static io.ctxswitch.core.testing.HeatmapSvgParts.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

@Timeout(10)
class SvgWriterTest {

    @Test
    void textThatLooksLikeMarkupStaysText() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String hostile = "<script>alert(1)</script> & \"quotes\" ]]>";
        try (SvgWriter svg = new SvgWriter(out, 100, 50)) {
            svg.textElement("text", hostile, "x", 1, "data-name", hostile);
            svg.rect(1.25, 2.0, 3, 4.04, "c0", hostile);
        }
        Document doc = parse(out.toByteArray());
        Element root = doc.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(SvgWriter.NS);
        assertThat(root.getAttribute("width")).isEqualTo("100");
        assertThat(doc.getElementsByTagName("script").getLength()).isZero();
        Element text = (Element) doc.getElementsByTagName("text").item(0);
        assertThat(text.getTextContent()).isEqualTo(hostile);
        assertThat(text.getAttribute("data-name")).isEqualTo(hostile);
        Element rect = (Element) doc.getElementsByTagName("rect").item(0);
        assertThat(rect.getAttribute("x")).isEqualTo("1.3");
        assertThat(rect.getAttribute("y")).isEqualTo("2");
        assertThat(rect.getAttribute("height")).isEqualTo("4");
        assertThat(rect.getElementsByTagName("title").item(0).getTextContent()).isEqualTo(hostile);
        assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8)).doesNotContain("<script>");
    }

    @Test
    void numbersHaveAtMostOneDecimal() {
        assertThat(SvgWriter.value(12.0)).isEqualTo("12");
        assertThat(SvgWriter.value(12.04)).isEqualTo("12");
        assertThat(SvgWriter.value(12.06)).isEqualTo("12.1");
        assertThat(SvgWriter.value(-0.5)).isEqualTo("-0.5");
        assertThat(SvgWriter.value(7)).isEqualTo("7");
        assertThat(SvgWriter.value("c3")).isEqualTo("c3");
    }
}
