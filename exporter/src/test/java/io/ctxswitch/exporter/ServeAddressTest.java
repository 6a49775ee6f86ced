package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServeAddressTest {
    @Test
    void aPortAloneIsLoopback() {
        assertThat(ServeAddress.parse("9100")).isEqualTo(new ServeAddress("127.0.0.1", 9100));
    }

    @Test
    void hostsAreTakenAsGiven() {
        assertThat(ServeAddress.parse("0.0.0.0:9100")).isEqualTo(new ServeAddress("0.0.0.0", 9100));
        assertThat(ServeAddress.parse("localhost:1")).isEqualTo(new ServeAddress("localhost", 1));
        assertThat(ServeAddress.parse("[::1]:65535")).isEqualTo(new ServeAddress("::1", 65535));
        assertThat(ServeAddress.parse("[::1]:9100").toString()).isEqualTo("[::1]:9100");
    }

    @Test
    void badValuesAreOneLineErrors() {
        for (String bad : new String[] {"", ":9100", "host:", "host:http", "0", "65536", "99999999999", "::1:9100", "[::1]9100", "a:b:c"}) {
            assertThatThrownBy(() -> ServeAddress.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--serve=" + bad + ": ")
                    .hasMessageNotContaining("\n");
        }
    }
}
