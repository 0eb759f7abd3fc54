package dev.keyway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final MutableClock clock = new MutableClock();
    private final LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofSeconds(6));
    private final InetAddress a = InetAddress.getLoopbackAddress();

    @Test
    void burstThenRefill() throws Exception {
        assertThat(throttle.tryAcquire(a)).isZero();
        assertThat(throttle.tryAcquire(a)).isZero();
        assertThat(throttle.tryAcquire(a)).isZero();
        assertThat(throttle.tryAcquire(a)).isEqualTo(6);
        clock.advance(Duration.ofSeconds(6));
        assertThat(throttle.tryAcquire(a)).isZero();
        assertThat(throttle.tryAcquire(InetAddress.getByName("10.0.0.1"))).as("other addresses are separate").isZero();
    }

    @Test
    void retryAfterPeeksWithoutTakingAnAttempt() {
        for (int i = 0; i < 10; i++) {
            assertThat(throttle.retryAfter(a)).isZero();
        }
        throttle.tryAcquire(a);
        throttle.tryAcquire(a);
        assertThat(throttle.retryAfter(a)).isZero();
        throttle.tryAcquire(a);
        assertThat(throttle.retryAfter(a)).isEqualTo(6);
        assertThat(throttle.retryAfter(a)).isEqualTo(6);
        clock.advance(Duration.ofSeconds(3));
        assertThat(throttle.retryAfter(a)).isEqualTo(3);
        clock.advance(Duration.ofSeconds(3));
        assertThat(throttle.retryAfter(a)).isZero();
    }

    @Test
    void tableOfAddressesStaysBounded() throws Exception {
        for (int i = 0; i < LoginThrottle.MAX_BUCKETS + 5_000; i++) {
            byte[] b = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
            throttle.tryAcquire(InetAddress.getByAddress(b));
        }
        assertThat(throttle.size()).isLessThanOrEqualTo(LoginThrottle.MAX_BUCKETS);
    }
}
