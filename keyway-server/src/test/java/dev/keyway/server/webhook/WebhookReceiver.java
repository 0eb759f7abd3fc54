package dev.keyway.server.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A local HTTP endpoint standing in for Slack or a generic webhook receiver: records bodies, answers scripted statuses. */
public final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            bodies.add(ex.getRequestHeaders().getFirst("Content-Type") + "\n" + new String(body, StandardCharsets.UTF_8));
            Integer status = script.poll();
            ex.sendResponseHeaders(status == null ? 200 : status, -1);
            ex.close();
        });
        server.start();
    }

    /** Answers the next requests with these statuses (then 200). */
    public WebhookReceiver answer(Integer... statuses) {
        script.addAll(java.util.List.of(statuses));
        return this;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next request's body (its first line is the Content-Type), waiting up to 10 s. */
    public String next() throws InterruptedException {
        String b = bodies.poll(10, TimeUnit.SECONDS);
        if (b == null) {
            throw new AssertionError("the webhook receiver got no request");
        }
        return b;
    }

    public boolean nothingWithin(Duration d) throws InterruptedException {
        return bodies.poll(d.toMillis(), TimeUnit.MILLISECONDS) == null;
    }

    public int received() {
        return bodies.size();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
