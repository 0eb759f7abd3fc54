package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Revocation for connections that are already open. Checking the token on each request is not
 * enough: a blind tunnel never shows the proxy a request, and an idle keep-alive connection, an
 * HTTP/2 tunnel or a WebSocket can outlive a revocation by hours. So every client connection that
 * authenticated gets this watch: a task scheduled on the connection's own event loop (no lock, no
 * global registry) that asks {@link dev.keyway.proxy.spi.ProxyPolicy#isActive} every
 * {@code principalRecheckInterval} and closes the connection, and with it its upstream, as soon as
 * the answer is false (or the policy throws: fail closed).
 *
 * <p>The close is audited as a {@code connect} event with error type {@code proxy-auth-invalid}:
 * for a tunnel it is the tunnel's own closing record, for a plain-http connection a record of its
 * own. One watch per channel, kept as a channel attribute; confined to the channel's event loop.
 */
final class PrincipalWatch {
    private static final AttributeKey<PrincipalWatch> KEY = AttributeKey.valueOf(PrincipalWatch.class, "watch");

    private final ProxyContext px;
    private final Channel channel;
    private final long startNanos = System.nanoTime();
    private Target target;
    private String requestId;
    private String mode;
    private @Nullable TunnelSession session;
    private @Nullable ScheduledFuture<?> task;

    private PrincipalWatch(ProxyContext px, Channel channel, Target target, String requestId, String mode) {
        this.px = px;
        this.channel = channel;
        this.target = target;
        this.requestId = requestId;
        this.mode = mode;
    }

    /**
     * Starts watching the client connection {@code ch} for the principal of {@code target}, or, if
     * it is already watched, makes the watch follow this newer target (a plain-http connection may
     * carry requests of several tokens: the latest one is checked). Call on the channel's loop.
     *
     * @param mode {@code http} for absolute-form requests, else the CONNECT outcome
     */
    static void watch(ProxyContext px, Channel ch, Target target, String requestId, String mode) {
        PrincipalWatch w = ch.attr(KEY).get();
        if (w != null) {
            w.target = target;
            w.requestId = requestId;
            w.mode = mode;
            return;
        }
        PrincipalWatch created = new PrincipalWatch(px, ch, target, requestId, mode);
        ch.attr(KEY).set(created);
        long every = px.config.principalRecheckInterval().toNanos();
        created.task = ch.eventLoop().scheduleWithFixedDelay(created::check, every, every, TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(f -> created.cancel());
    }

    /** Tells the watch of {@code ch} that it now carries this tunnel, which audits its own close. */
    static void attach(Channel ch, TunnelSession s) {
        PrincipalWatch w = ch.attr(KEY).get();
        if (w != null) {
            w.session = s;
        }
    }

    private void check() {
        if (!channel.isActive()) {
            cancel();
            return;
        }
        boolean active;
        try {
            active = px.policy.isActive(target.principal());
        } catch (RuntimeException e) {
            active = false;
        }
        if (!active) {
            cancel();
            revoked();
        }
    }

    private void revoked() {
        String slug = ErrorType.PROXY_AUTH_INVALID.slug();
        TunnelSession s = session;
        if (s != null) {
            s.closeError = slug; // the tunnel's close listener writes the connect record
        } else {
            px.audit.completed(new AuditEvents.Base("connect", requestId, target.principal(), target.client(), null,
                    target.host(), target.port(), null, null, List.of(), mode)
                    .with("connect", 0, 0, 0, AuditEvents.millisSince(startNanos), slug));
        }
        channel.close();
    }

    private void cancel() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
            task = null;
        }
    }
}
