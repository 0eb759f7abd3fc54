package dev.keyway.cli;

import dev.keyway.server.KeywayServer;
import dev.keyway.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A real server in a temp data dir, and the CLI run in-process against it. The CLI reads its token
 * from {@code <data dir>/admin-token}, so running "as" another identity means pointing
 * {@code --data-dir} at a directory holding that identity's token.
 */
final class CliServer implements AutoCloseable {
    final KeywayServer server;
    final Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

    record Result(int exit, String out, String err) {}

    CliServer(Path dataDir) throws Exception {
        this.dataDir = dataDir;
        this.server = KeywayServer.start(ServerConfig.defaults(dataDir).withPorts(0, 0));
    }

    String addr() {
        return "http://127.0.0.1:" + server.apiPort();
    }

    /** Runs {@code keyway <command...> --addr .. --data-dir <dir> <rest...>} (client options go after the leaf command). */
    Result run(Path dir, String command, String... rest) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--addr");
        args.add(addr());
        args.add("--data-dir");
        args.add(dir.toString());
        args.addAll(List.of(rest));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    Result admin(String command, String... rest) {
        return run(dataDir, command, rest);
    }

    /** Creates an agent with a role on {@code default} and returns a data dir whose token file holds its token. */
    Path agentDir(Path parent, String name, String role) throws Exception {
        JsonNode r = api("POST", "/v1/agents", "{\"name\":\"" + name + "\",\"vaults\":[{\"vault\":\"default\",\"role\":\"" + role + "\"}]}");
        Path d = Files.createDirectories(parent.resolve(name));
        Files.writeString(d.resolve("admin-token"), r.get("token").asString() + "\n");
        return d;
    }

    JsonNode api(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(addr() + path))
                .header("Authorization", "Bearer " + Files.readString(dataDir.resolve("admin-token")).strip())
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() >= 300) {
            throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body().isEmpty() ? ApiClient.JSON.createObjectNode() : ApiClient.JSON.readTree(r.body());
    }

    @Override
    public void close() {
        server.close();
    }
}
