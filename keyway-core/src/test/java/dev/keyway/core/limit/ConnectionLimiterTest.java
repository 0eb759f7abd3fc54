package dev.keyway.core.limit;

import static dev.keyway.core.limit.ConnectionLimiter.Admission.ADMITTED;
import static dev.keyway.core.limit.ConnectionLimiter.Admission.REFUSED_PER_ADDRESS;
import static dev.keyway.core.limit.ConnectionLimiter.Admission.REFUSED_TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionLimiterTest {
    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
    }

    @Test
    void perAddressThenTotal() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(new ConnectionLimits(3, 2));
        assertThat(l.tryAcquire(ip(1))).isEqualTo(ADMITTED);
        assertThat(l.tryAcquire(ip(1))).isEqualTo(ADMITTED);
        assertThat(l.tryAcquire(ip(1))).isEqualTo(REFUSED_PER_ADDRESS);
        assertThat(l.tryAcquire(ip(2))).isEqualTo(ADMITTED);
        assertThat(l.tryAcquire(ip(3))).isEqualTo(REFUSED_TOTAL);
        assertThat(l.open()).isEqualTo(3);
        assertThat(l.refused()).isEqualTo(2);
        l.release(ip(1));
        assertThat(l.open(ip(1))).isEqualTo(1);
        assertThat(l.tryAcquire(ip(3))).isEqualTo(ADMITTED);
        l.release(ip(1));
        l.release(ip(2));
        l.release(ip(3));
        assertThat(l.open()).isZero();
        assertThat(l.open(ip(1))).isZero();
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 2", "-1, 1", "5, 0"})
    void invalidLimitsAreRefused(int total, int perAddress) {
        assertThatThrownBy(() -> new ConnectionLimits(total, perAddress)).isInstanceOf(IllegalArgumentException.class);
    }
}
