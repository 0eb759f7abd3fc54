package dev.keyway.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.crypto.Tokens;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.TokenRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A cluster node shown a token its snapshot does not hold yet (minted on another node a moment
 * ago: the balancer sent the click after sign-in to this node) catches up with the database once
 * and checks again, instead of answering 401 until its change notification arrives. Without the
 * catch-up hook (a single node) nothing changes.
 */
class ApiAuthCatchUpTest {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    static Snapshot snapshot(long revision, TokenRecord... tokens) {
        return new Snapshot(revision, Map.of(), Map.of(), TokenIndex.of(List.of(tokens)), Map.of(), Map.of(), Map.of(), Map.of());
    }

    static TokenRecord admin(String token, boolean revoked) {
        return new TokenRecord(Tokens.newId("tok_"), Tokens.newAccessor(), Tokens.hash(token), "admin", null, null, "admin",
                "test", NOW, NOW.plusSeconds(3600), null, null, null, revoked, null, null, null);
    }

    @Test
    void anUnknownTokenIsCheckedAgainAfterCatchingUp() {
        String token = Tokens.newToken(Tokens.ADMIN_PREFIX);
        AtomicReference<Snapshot> current = new AtomicReference<>(snapshot(1));
        AtomicInteger catchUps = new AtomicInteger();
        ApiAuth auth = new ApiAuth(current::get, clock, null, () -> {
            catchUps.incrementAndGet();
            current.set(snapshot(2, admin(token, false))); // the database had the other node's new token
            return true;
        });
        assertThat(auth.authenticateToken(token).actor()).isEqualTo("local-admin");
        assertThat(catchUps).hasValue(1);
        assertThat(auth.authenticateToken(token).actor()).as("known now: no second catch-up").isEqualTo("local-admin");
        assertThat(catchUps).hasValue(1);
    }

    @Test
    void aTokenUnknownEvenAfterCatchingUpStaysRefusedAndRevokedOnesNeverTriggerIt() {
        String revoked = Tokens.newToken(Tokens.ADMIN_PREFIX);
        AtomicInteger catchUps = new AtomicInteger();
        Snapshot s = snapshot(1, admin(revoked, true));
        ApiAuth auth = new ApiAuth(() -> s, clock, null, () -> {
            catchUps.incrementAndGet();
            return false; // the database has nothing newer
        });
        assertThatThrownBy(() -> auth.authenticateToken(Tokens.newToken(Tokens.ADMIN_PREFIX)))
                .isInstanceOf(KeywayException.class).hasMessageContaining("not valid");
        assertThat(catchUps).hasValue(1);
        assertThatThrownBy(() -> auth.authenticateToken(revoked)).isInstanceOf(KeywayException.class).hasMessageContaining("revoked");
        assertThat(catchUps).as("a revoked token is known: no database read").hasValue(1);
    }

    @Test
    void withoutTheHookAnUnknownTokenIsRefusedAtOnce() {
        String token = Tokens.newToken(Tokens.ADMIN_PREFIX);
        ApiAuth auth = new ApiAuth(() -> snapshot(1), clock);
        assertThatThrownBy(() -> auth.authenticateToken(token)).isInstanceOf(KeywayException.class);
    }
}
