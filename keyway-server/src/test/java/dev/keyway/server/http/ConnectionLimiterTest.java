package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.server.http.ConnectionLimiter.Admission;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
    /** Table: open connections from A and from B before a new one from A, limits total 4 / per address 2. */
    @ParameterizedTest(name = "A={0} B={1} -> {2}")
    @CsvSource({
        "0, 0, ADMITTED",
        "1, 0, ADMITTED",
        "2, 0, TOO_MANY_FROM_ADDRESS",
        "1, 2, ADMITTED",
        "2, 2, TOO_MANY_FROM_ADDRESS",
        "0, 2, ADMITTED",
    })
    void admission(int fromA, int fromB, Admission expected) throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(4, 2);
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < fromA; i++) {
            assertThat(l.tryAdmit(a)).isEqualTo(Admission.ADMITTED);
        }
        for (int i = 0; i < fromB; i++) {
            assertThat(l.tryAdmit(b)).isEqualTo(Admission.ADMITTED);
        }
        assertThat(l.tryAdmit(a)).isEqualTo(expected);
    }

    @Test
    void theTotalCapsAcrossAddressesAndReleaseFreesASlot() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(3, 2);
        InetAddress a = InetAddress.getByName("10.0.0.1");
        InetAddress b = InetAddress.getByName("10.0.0.2");
        InetAddress c = InetAddress.getByName("10.0.0.3");
        assertThat(l.tryAdmit(a)).isEqualTo(Admission.ADMITTED);
        assertThat(l.tryAdmit(a)).isEqualTo(Admission.ADMITTED);
        assertThat(l.tryAdmit(b)).isEqualTo(Admission.ADMITTED);
        assertThat(l.tryAdmit(c)).isEqualTo(Admission.TOO_MANY_TOTAL);
        assertThat(l.open()).isEqualTo(3);
        l.release(a);
        assertThat(l.tryAdmit(c)).isEqualTo(Admission.ADMITTED);
        assertThat(l.tryAdmit(a)).isEqualTo(Admission.TOO_MANY_TOTAL);
        l.release(b);
        l.release(c);
        l.release(a);
        assertThat(l.open()).isZero();
        assertThatThrownBy(() -> l.release(a)).isInstanceOf(IllegalStateException.class);
    }
}
